// The event's life on its webhook_events row (the database's view of every
// delivery, kept after Temporal's retention ends): outcome, parking, operator
// actions and automatic resolution. Every operator action and every automatic
// resolution is also written to operator_actions (who, when, why, result).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { type ApplyOutcome, FINAL_STATUSES, type RegisterEventArgs, type RegisteredEvent } from '../contracts/processEvent';
import { supersedeSignal } from '../contracts/processEventMessages';
import { type Db, toBigInt } from '../db/prisma';
import type { ActivityDeps } from './index';

export interface OutcomeArgs {
  eventRowId: string;
  status: 'processed' | 'failed';
  outcome?: ApplyOutcome;
  appliedVersion?: number | null;
  error?: string;
}

export interface ResolveArgs {
  eventRowId: string;
  status: 'skipped' | 'superseded';
  action: 'skip' | 'superseded';
  by: string;
  reason: string;
}

export interface SupersedeArgs {
  connectionId: string;
  objects: Array<{ objectType: string; objectId: string }>;
  source: string;
  exceptEventRowId?: string;
}

/**
 * Records a delivery on its webhook_events row for the run that holds it (the
 * receiver answered 202 once Temporal held the event, without touching
 * PostgreSQL). Insert-or-update keyed by (connection, event id), idempotent per
 * run: a retried attempt of the same run does not count the delivery twice. A
 * row that is already final (an earlier run processed the event, and Temporal
 * has since forgotten that run) keeps its run and is reported, so the caller
 * stops: the deduplication backstop after Temporal's retention.
 */
export async function registerEventRow(db: Db, args: RegisterEventArgs, run: { workflowId: string; runId: string }): Promise<RegisteredEvent> {
  try {
    const rows = await db.$queryRaw<{ id: bigint; status: string }[]>`
      INSERT INTO webhook_events (connection_id, event_id, event_type, object_type, object_id, object_version, workflow_id, run_id, payload_bytes, status, received_at, accepted_at)
      VALUES (${args.connectionId}, ${args.eventId}, ${args.eventType}, ${args.objectType}, ${args.objectId}, ${toBigInt(args.objectVersion)}, ${run.workflowId}, ${run.runId}, ${args.payloadBytes},
              'accepted', ${new Date(args.receivedAtMs)}, now())
      ON CONFLICT (connection_id, event_id) DO UPDATE SET
        delivery_count = webhook_events.delivery_count + CASE WHEN webhook_events.run_id IS DISTINCT FROM EXCLUDED.run_id THEN 1 ELSE 0 END,
        run_id = CASE WHEN webhook_events.status = ANY(${[...FINAL_STATUSES]}::text[]) THEN webhook_events.run_id ELSE EXCLUDED.run_id END,
        status = CASE WHEN webhook_events.status = 'received' THEN 'accepted' ELSE webhook_events.status END,
        received_at = LEAST(webhook_events.received_at, EXCLUDED.received_at),
        accepted_at = COALESCE(webhook_events.accepted_at, now())
      RETURNING id, status`;
    const row = rows[0];
    if (!row) throw new Error('insert returned no row');
    return { eventRowId: row.id.toString(), status: row.status, alreadyFinal: FINAL_STATUSES.has(row.status) };
  } catch (err) {
    // The connection is gone (foreign key): no retry can record this event.
    if (/foreign key/i.test((err as Error).message)) {
      throw ApplicationFailure.nonRetryable(`connection ${args.connectionId} does not exist`, 'UnknownConnectionError');
    }
    throw err;
  }
}

export function createEventActivities(deps: ActivityDeps) {
  async function logAction(eventRowId: string, action: string, by: string, reason: string | null, result: string): Promise<void> {
    const row = await deps.db.webhookEvent.findUniqueOrThrow({ where: { id: BigInt(eventRowId) }, select: { connectionId: true, workflowId: true } });
    await deps.db.operatorAction.create({ data: { connectionId: row.connectionId, eventRowId: BigInt(eventRowId), workflowId: row.workflowId, action, actor: by, reason, result } });
  }

  return {
    /** The workflow's first step on the thin ack path: see registerEventRow. */
    async registerEvent(args: RegisterEventArgs): Promise<RegisteredEvent> {
      const run = Context.current().info.workflowExecution;
      if (!run) throw ApplicationFailure.nonRetryable('registerEvent runs only inside a processEvent workflow', 'InvalidInvocation');
      return registerEventRow(deps.db, args, run);
    },

    async recordEventOutcome(args: OutcomeArgs): Promise<void> {
      await deps.db.webhookEvent.update({
        where: { id: BigInt(args.eventRowId) },
        data: { status: args.status, outcome: args.outcome ?? null, appliedVersion: toBigInt(args.appliedVersion), lastError: args.error ?? null, finishedAt: new Date() },
      });
    },

    async parkEvent(args: { eventRowId: string; error: string }): Promise<void> {
      await deps.db.$executeRaw`
        UPDATE webhook_events SET status = 'parked', last_error = ${args.error}, first_failed_at = COALESCE(first_failed_at, now()), finished_at = NULL
        WHERE id = ${BigInt(args.eventRowId)}`;
    },

    async recordOperatorAction(args: { eventRowId: string; action: 'replay'; by: string; reason: string | null }): Promise<void> {
      await deps.db.webhookEvent.update({ where: { id: BigInt(args.eventRowId) }, data: { status: 'accepted', attempts: 0 } });
      await logAction(args.eventRowId, args.action, args.by, args.reason, 'replaying');
    },

    async resolveParkedEvent(args: ResolveArgs): Promise<void> {
      await deps.db.webhookEvent.update({ where: { id: BigInt(args.eventRowId) }, data: { status: args.status, resolution: args.reason, finishedAt: new Date() } });
      await logAction(args.eventRowId, args.action, args.by, args.reason, args.status);
    },

    /**
     * The supersede rule: a parked event is resolved as superseded once our copy
     * of its object holds a version at least as new as the one the event
     * announced (for events without a version: once the object was written after
     * the event was received). Sends each such workflow the supersede signal;
     * returns how many were signalled.
     */
    async supersedeParkedEvents(args: SupersedeArgs): Promise<number> {
      if (!deps.temporal || args.objects.length === 0) return 0;
      const types = args.objects.map((o) => o.objectType);
      const ids = args.objects.map((o) => o.objectId);
      const except = args.exceptEventRowId ? BigInt(args.exceptEventRowId) : -1n;
      const rows = await deps.db.$queryRaw<{ workflow_id: string; version: bigint }[]>`
        SELECT e.workflow_id, r.version
        FROM webhook_events e
        JOIN unnest(${types}::text[], ${ids}::text[]) AS o(object_type, object_id) ON o.object_type = e.object_type AND o.object_id = e.object_id
        JOIN sync_records r ON r.connection_id = e.connection_id AND r.object_type = e.object_type AND r.object_id = e.object_id
        WHERE e.connection_id = ${args.connectionId} AND e.status = 'parked' AND e.id <> ${except}
          AND (r.version >= e.object_version OR (e.object_version IS NULL AND r.updated_at > e.received_at))`;
      for (const row of rows) {
        await deps.temporal.workflow.getHandle(row.workflow_id).signal(supersedeSignal, { version: Number(row.version), source: args.source });
      }
      return rows.length;
    },
  };
}
