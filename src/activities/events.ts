// The event's life on its webhook_events row (the database's view of every
// delivery, kept after Temporal's retention ends): outcome, parking, operator
// actions and automatic resolution. Every operator action and every automatic
// resolution is also written to operator_actions (who, when, why, result).
import type { ApplyOutcome } from '../shared/processEvent';
import { supersedeSignal } from '../workflows/definitions';
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

const toBig = (v: number | null | undefined) => (v === undefined || v === null ? null : BigInt(Math.trunc(v)));

export function createEventActivities(deps: ActivityDeps) {
  async function logAction(eventRowId: string, action: string, by: string, reason: string | null, result: string): Promise<void> {
    const row = await deps.db.webhookEvent.findUniqueOrThrow({ where: { id: BigInt(eventRowId) }, select: { connectionId: true, workflowId: true } });
    await deps.db.operatorAction.create({ data: { connectionId: row.connectionId, eventRowId: BigInt(eventRowId), workflowId: row.workflowId, action, actor: by, reason, result } });
  }

  return {
    async recordEventOutcome(args: OutcomeArgs): Promise<void> {
      await deps.db.webhookEvent.update({
        where: { id: BigInt(args.eventRowId) },
        data: { status: args.status, outcome: args.outcome ?? null, appliedVersion: toBig(args.appliedVersion), lastError: args.error ?? null, finishedAt: new Date() },
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
