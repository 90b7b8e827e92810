// webhook_events (one row per (connection, partner event id): the database's
// view of every delivery, kept after Temporal's retention ends) and its audit,
// operator_actions. The only module that reads or writes them. Status changes
// follow src/store/eventTransitions.ts: conditional in SQL, refused otherwise.
// Every function takes an Executor, so callers compose them in a transaction.
import type { DeliveryFacts } from '../contracts/processEventContract';
import { EventTransitionRefusedError } from '../errors/storeErrors';
import { UnknownConnectionError } from '../errors/connectionErrors';
import { Prisma } from '../generated/prisma/client';
import {
  type ClosedFromOutside,
  type EventRowStatus,
  allowedFrom,
  CLOSED_FROM_OUTSIDE,
  declaredTransition,
  FINAL_STATUSES,
  isFinal,
  OPEN_STATUSES,
  PRUNABLE_STATUSES,
  SUPERSEDABLE_STATUSES,
} from './eventTransitions';
import { type Executor, toBigInt } from './executor';

/** What the receiver knows of a delivery, for its row: the event's facts and the workflow that holds it. */
export interface DeliveryRow extends DeliveryFacts {
  workflowId: string;
}

/** A row as the receiver or the run learns it back: its id (a string: bigint does not survive JSON) and status. */
export interface EventRowRef {
  eventRowId: string;
  status: string;
}

const RECEIVED_TO_ACCEPTED = declaredTransition('received', 'accepted');
/** A new run (a re-delivery, or a replay from the CLI) takes up a row whose earlier run was closed from outside. */
const REOPENED = CLOSED_FROM_OUTSIDE.map((from) => declaredTransition(from, 'accepted'));
const ACCEPTED_FROM = [RECEIVED_TO_ACCEPTED.from, ...REOPENED.map((t) => t.from)];

/**
 * The receiver's insert-or-count for a body too large for the workflow input:
 * stores the body on a new 'received' row, or counts one more delivery on an
 * existing one.
 */
export async function insertReceivedEvent(
  x: Executor,
  e: DeliveryRow & { payload: Buffer | null },
): Promise<EventRowRef> {
  const rows = await x.$queryRaw<{ id: bigint; status: string }[]>`
    INSERT INTO webhook_events (connection_id, event_id, event_type, object_type, object_id, object_version, workflow_id, payload, payload_bytes, received_at)
    VALUES (${e.connectionId}, ${e.eventId}, ${e.eventType}, ${e.objectType}, ${e.objectId}, ${toBigInt(e.objectVersion)}, ${e.workflowId}, ${e.payload}, ${e.payloadBytes}, ${new Date(e.receivedAtMs)})
    ON CONFLICT (connection_id, event_id) DO UPDATE SET delivery_count = webhook_events.delivery_count + 1
    RETURNING id, status`;
  const row = rows[0];
  if (!row) throw new Error('insert returned no row');
  return { eventRowId: row.id.toString(), status: row.status };
}

/** Rows the receiver registered are marked accepted once Temporal holds their event (received -> accepted; later statuses stay). */
export async function markEventsAccepted(x: Executor, rowIds: bigint[]): Promise<void> {
  await x.$executeRaw`
    UPDATE webhook_events SET accepted_at = now(),
      status = CASE WHEN status = ${RECEIVED_TO_ACCEPTED.from} THEN ${RECEIVED_TO_ACCEPTED.to} ELSE status END
    WHERE id = ANY(${rowIds}::bigint[]) AND accepted_at IS NULL`;
}

/**
 * Counts re-deliveries of events Temporal already held, one statement for the
 * batch. A row the run has not recorded yet is inserted as 'received' with the
 * re-deliveries counted; the run's registration then adds its own delivery.
 */
export async function countRedeliveries(x: Executor, items: Array<{ row: DeliveryRow; count: number }>): Promise<void> {
  const col = <T>(f: (r: DeliveryRow) => T) => items.map((i) => f(i.row));
  await x.$executeRaw`
    INSERT INTO webhook_events (connection_id, event_id, event_type, object_type, object_id, object_version, workflow_id, payload_bytes, received_at, delivery_count)
    SELECT * FROM unnest(
      ${col((r) => r.connectionId)}::text[], ${col((r) => r.eventId)}::text[], ${col((r) => r.eventType)}::text[],
      ${col((r) => r.objectType)}::text[], ${col((r) => r.objectId)}::text[], ${col((r) => toBigInt(r.objectVersion)?.toString() ?? null)}::bigint[],
      ${col((r) => r.workflowId)}::text[], ${col((r) => r.payloadBytes)}::int[], ${col((r) => new Date(r.receivedAtMs).toISOString())}::timestamptz[],
      ${items.map((i) => i.count)}::int[])
    ON CONFLICT (connection_id, event_id) DO UPDATE SET delivery_count = webhook_events.delivery_count + EXCLUDED.delivery_count`;
}

/**
 * Records a delivery on its row for the run that holds it. Insert-or-update
 * keyed by (connection, event id), idempotent per run: a retried attempt of
 * the same run does not count the delivery twice. A row that is already final
 * (an earlier run processed the event, and Temporal has since forgotten that
 * run) keeps its run and is reported, so the caller stops: the deduplication
 * backstop after Temporal's retention. A missing connection is
 * UnknownConnectionError (no retry can record the event).
 */
export async function registerEventRow(
  x: Executor,
  row: DeliveryFacts,
  run: { workflowId: string; runId: string },
): Promise<EventRowRef & { alreadyFinal: boolean }> {
  try {
    const rows = await x.$queryRaw<{ id: bigint; status: string }[]>`
      INSERT INTO webhook_events (connection_id, event_id, event_type, object_type, object_id, object_version, workflow_id, run_id, payload_bytes, status, received_at, accepted_at)
      VALUES (${row.connectionId}, ${row.eventId}, ${row.eventType}, ${row.objectType}, ${row.objectId}, ${toBigInt(row.objectVersion)}, ${run.workflowId}, ${run.runId}, ${row.payloadBytes},
              ${RECEIVED_TO_ACCEPTED.to}, ${new Date(row.receivedAtMs)}, now())
      ON CONFLICT (connection_id, event_id) DO UPDATE SET
        delivery_count = webhook_events.delivery_count + CASE WHEN webhook_events.run_id IS DISTINCT FROM EXCLUDED.run_id THEN 1 ELSE 0 END,
        run_id = CASE WHEN webhook_events.status = ANY(${[...FINAL_STATUSES]}::text[]) THEN webhook_events.run_id ELSE EXCLUDED.run_id END,
        status = CASE WHEN webhook_events.status = ANY(${ACCEPTED_FROM}::text[]) THEN ${RECEIVED_TO_ACCEPTED.to} ELSE webhook_events.status END,
        attempts = CASE WHEN webhook_events.status = ANY(${REOPENED.map((t) => t.from)}::text[]) THEN 0 ELSE webhook_events.attempts END,
        received_at = LEAST(webhook_events.received_at, EXCLUDED.received_at),
        accepted_at = COALESCE(webhook_events.accepted_at, now())
      RETURNING id, status`;
    const inserted = rows[0];
    if (!inserted) throw new Error('insert returned no row');
    return { eventRowId: inserted.id.toString(), status: inserted.status, alreadyFinal: isFinal(inserted.status) };
  } catch (err) {
    if (/foreign key/i.test((err as Error).message))
      throw new UnknownConnectionError(`connection ${row.connectionId} does not exist`);
    throw err;
  }
}

/**
 * Moves a row to `to` with `set` (more SET assignments), only from a status
 * EVENT_TRANSITIONS allows. 'missing' when no such row exists; a row in a
 * status that may not move to `to` is EventTransitionRefusedError.
 */
async function transition(
  x: Executor,
  eventRowId: string,
  to: EventRowStatus,
  set: Prisma.Sql,
): Promise<'moved' | 'missing'> {
  const id = BigInt(eventRowId);
  const n =
    await x.$executeRaw`UPDATE webhook_events SET status = ${to}, ${set} WHERE id = ${id} AND status = ANY(${allowedFrom(to)}::text[])`;
  if (n > 0) return 'moved';
  const [row] = await x.$queryRaw<{ status: string }[]>`SELECT status FROM webhook_events WHERE id = ${id}`;
  if (!row) return 'missing';
  throw new EventTransitionRefusedError(
    `webhook_events row ${eventRowId}: ${row.status} -> ${to} is not an allowed transition`,
  );
}

function mustExist(eventRowId: string, result: 'moved' | 'missing'): void {
  if (result === 'missing') throw new Error(`no webhook_events row ${eventRowId}`);
}

export type ApplyOutcomeName = 'applied' | 'unchanged' | 'tombstoned';

/** The run processed the event: its outcome and the version it applied. */
export async function recordProcessed(
  x: Executor,
  a: { eventRowId: string; outcome?: ApplyOutcomeName; appliedVersion?: number | null; error?: string },
): Promise<void> {
  mustExist(
    a.eventRowId,
    await transition(
      x,
      a.eventRowId,
      'processed',
      Prisma.sql`
    outcome = ${a.outcome ?? null}, applied_version = ${toBigInt(a.appliedVersion)}, last_error = ${a.error ?? null}, finished_at = now()`,
    ),
  );
}

/**
 * The outcome a run already recorded on this row, or null while the row is not
 * `processed`. Locks the row for the caller's transaction, so a retried finish
 * (its first attempt committed, then its answer was lost) returns what was
 * recorded instead of applying and recording a second time.
 */
export async function lockProcessedOutcome(
  x: Executor,
  eventRowId: string,
): Promise<{ outcome: ApplyOutcomeName | null; appliedVersion: number | null } | null> {
  const [row] = await x.$queryRaw<{ status: string; outcome: string | null; applied_version: bigint | null }[]>`
    SELECT status, outcome, applied_version FROM webhook_events WHERE id = ${BigInt(eventRowId)} FOR UPDATE`;
  if (row?.status !== 'processed') return null;
  return {
    outcome: row.outcome as ApplyOutcomeName | null,
    appliedVersion: row.applied_version === null ? null : Number(row.applied_version),
  };
}

/** The run gave up on the partner (schedule spent, or a permanent error) and waits for an operator. A missing row is left alone. */
export async function parkEventRow(x: Executor, a: { eventRowId: string; error: string }): Promise<void> {
  await transition(
    x,
    a.eventRowId,
    'parked',
    Prisma.sql`last_error = ${a.error}, first_failed_at = COALESCE(first_failed_at, now()), finished_at = NULL`,
  );
}

/** An operator replays a parked event: it is processing again, its attempts counted afresh. */
export async function replayEventRow(x: Executor, eventRowId: string): Promise<void> {
  mustExist(eventRowId, await transition(x, eventRowId, 'accepted', Prisma.sql`attempts = 0`));
}

/** A parked event ends without processing: skipped by an operator, or superseded by a newer version of its object. */
export async function resolveParkedEventRow(
  x: Executor,
  a: { eventRowId: string; status: 'skipped' | 'superseded'; reason: string },
): Promise<void> {
  mustExist(
    a.eventRowId,
    await transition(x, a.eventRowId, a.status, Prisma.sql`resolution = ${a.reason}, finished_at = now()`),
  );
}

/** One partner fetch attempt and how it failed (null: it succeeded), for ops to see without opening Temporal. */
export async function noteFetchAttempt(
  x: Executor,
  eventRowId: string,
  attempt: number,
  error: string | null,
): Promise<void> {
  await x.$executeRaw`UPDATE webhook_events SET attempts = ${attempt}, last_error = ${error} WHERE id = ${BigInt(eventRowId)}`;
}

/** The audit: who did what to an event, why, and what came of it. */
export async function insertOperatorAction(
  x: Executor,
  a: { eventRowId: string; action: string; by: string; reason: string | null; result: string },
): Promise<void> {
  const id = BigInt(a.eventRowId);
  const n = await x.$executeRaw`
    INSERT INTO operator_actions (connection_id, event_row_id, workflow_id, action, actor, reason, result)
    SELECT connection_id, id, workflow_id, ${a.action}, ${a.by}, ${a.reason}, ${a.result} FROM webhook_events WHERE id = ${id}`;
  if (n === 0) throw new Error(`no webhook_events row ${a.eventRowId}`);
}

export async function eventRowStatus(x: Executor, eventRowId: string): Promise<string | undefined> {
  const [row] = await x.$queryRaw<
    { status: string }[]
  >`SELECT status FROM webhook_events WHERE id = ${BigInt(eventRowId)}`;
  return row?.status;
}

/** The stored raw body of a large delivery (null when it travelled inline). */
/**
 * The stored body of one event, refused unless the row is that event's
 * (connection and partner event id): a row id in workflow input is not proof.
 */
export async function readEventPayloadFor(
  x: Executor,
  eventRowId: string,
  connectionId: string,
  eventId: string,
): Promise<Buffer | null> {
  const [row] = await x.$queryRaw<{ payload: Uint8Array | null; connection_id: string; event_id: string }[]>`
    SELECT payload, connection_id, event_id FROM webhook_events WHERE id = ${BigInt(eventRowId)}`;
  if (!row) throw new Error(`no webhook_events row ${eventRowId}`);
  if (row.connection_id !== connectionId || row.event_id !== eventId)
    throw new Error(`webhook_events row ${eventRowId} is not event ${eventId} of connection ${connectionId}`);
  return row.payload ? Buffer.from(row.payload) : null;
}

/** What a "parked" alert says about an event, with its connection's connector. */
export async function findEventForAlert(x: Executor, eventRowId: string) {
  const row = await x.webhookEvent.findUniqueOrThrow({
    where: { id: BigInt(eventRowId) },
    include: { connection: { select: { connector: true } } },
  });
  return { ...row, connector: row.connection.connector };
}

/**
 * The supersede rule: parked events of these objects (and events whose run was
 * closed from outside) whose object our copy now holds at a version at least
 * as new as the one the event announced (for events without a version:
 * written after the event was received).
 */
export async function findSupersededParkedEvents(
  x: Executor,
  a: { connectionId: string; objects: Array<{ objectType: string; objectId: string }>; exceptEventRowId?: string },
): Promise<Array<{ eventRowId: string; workflowId: string; status: string; version: number }>> {
  const types = a.objects.map((o) => o.objectType);
  const ids = a.objects.map((o) => o.objectId);
  const except = a.exceptEventRowId ? BigInt(a.exceptEventRowId) : -1n;
  const rows = await x.$queryRaw<{ id: bigint; workflow_id: string; status: string; version: bigint }[]>`
    SELECT e.id, e.workflow_id, e.status, r.version
    FROM webhook_events e
    JOIN unnest(${types}::text[], ${ids}::text[]) AS o(object_type, object_id) ON o.object_type = e.object_type AND o.object_id = e.object_id
    JOIN sync_records r ON r.connection_id = e.connection_id AND r.object_type = e.object_type AND r.object_id = e.object_id
    WHERE e.connection_id = ${a.connectionId} AND e.status = ANY(${[...SUPERSEDABLE_STATUSES]}::text[]) AND e.id <> ${except}
      AND (r.version >= e.object_version OR (e.object_version IS NULL AND r.updated_at > e.received_at))`;
  return rows.map((r) => ({
    eventRowId: r.id.toString(),
    workflowId: r.workflow_id,
    status: r.status,
    version: Number(r.version),
  }));
}

/**
 * Settles a row no run will settle (its workflow is closed or gone): moves it
 * to `to` only while it is still in one of `from` and, when `runId` is given,
 * still belongs to that run, so a run that took the row up meanwhile keeps it.
 * Audited as done by `by`. Returns whether the row moved.
 */
export async function settleEventRow(
  x: Executor,
  a: {
    eventRowId: string;
    to: EventRowStatus;
    from: readonly EventRowStatus[];
    runId?: string | null;
    action: string;
    by: string;
    reason: string;
  },
): Promise<boolean> {
  const from = a.from.filter((s) => allowedFrom(a.to).includes(s) && s !== a.to);
  const id = BigInt(a.eventRowId);
  const runMatches =
    a.runId === undefined ? Prisma.sql`TRUE` : Prisma.sql`run_id IS NOT DISTINCT FROM ${a.runId ?? null}`;
  const n = await x.$executeRaw`
    UPDATE webhook_events SET status = ${a.to}, resolution = ${a.reason}, finished_at = now()
    WHERE id = ${id} AND status = ANY(${from}::text[]) AND ${runMatches}`;
  if (n === 0) return false;
  await insertOperatorAction(x, {
    eventRowId: a.eventRowId,
    action: a.action,
    by: a.by,
    reason: a.reason,
    result: a.to,
  });
  return true;
}

/**
 * An operator replays an event whose run was closed from outside (or whose
 * parked run is gone): the row is processing again, ahead of the new run's
 * start, audited. Refused (false) unless the row is parked or closed from outside.
 */
export async function reopenEventRow(
  x: Executor,
  a: { eventRowId: string; by: string; reason: string | null },
): Promise<boolean> {
  const from = ['parked', ...CLOSED_FROM_OUTSIDE].filter((s) => allowedFrom('accepted').includes(s as EventRowStatus));
  const n = await x.$executeRaw`
    UPDATE webhook_events SET status = 'accepted', run_id = NULL, attempts = 0, finished_at = NULL
    WHERE id = ${BigInt(a.eventRowId)} AND status = ANY(${from}::text[])`;
  if (n === 0) return false;
  await insertOperatorAction(x, { ...a, action: 'replay', result: 'replaying' });
  return true;
}

/**
 * The row of a delivery whose run was closed from outside before its first
 * step recorded it (terminated at once): created settled, so the delivery is
 * accounted for and `events replay` can start it again. An existing row is
 * left alone. Returns whether a row was created.
 */
export async function insertClosedEventRow(
  x: Executor,
  a: DeliveryFacts & { workflowId: string; runId: string; status: ClosedFromOutside; reason: string },
): Promise<boolean> {
  const rows = await x.$queryRaw<{ id: bigint }[]>`
    INSERT INTO webhook_events (connection_id, event_id, event_type, object_type, object_id, object_version, workflow_id, run_id, payload_bytes, status, received_at, accepted_at, finished_at, resolution)
    VALUES (${a.connectionId}, ${a.eventId}, ${a.eventType}, ${a.objectType}, ${a.objectId}, ${toBigInt(a.objectVersion)}, ${a.workflowId}, ${a.runId}, ${a.payloadBytes},
            ${a.status}, ${new Date(a.receivedAtMs)}, ${new Date(a.receivedAtMs)}, now(), ${a.reason})
    ON CONFLICT (connection_id, event_id) DO NOTHING
    RETURNING id`;
  const row = rows[0];
  if (!row) return false;
  await insertOperatorAction(x, {
    eventRowId: row.id.toString(),
    action: 'sweep',
    by: 'syncline:sweep',
    reason: a.reason,
    result: a.status,
  });
  return true;
}

/** A row to check against Temporal: open in the database, not touched for `olderThan`. */
export interface OpenEventRow {
  eventRowId: string;
  connectionId: string;
  eventId: string;
  workflowId: string;
  runId: string | null;
  status: EventRowStatus;
}

/**
 * Rows in OPEN_STATUSES received before `receivedBefore`, after row id `afterId` (the sweep's
 * keyset cursor), oldest id first, at most `limit`; of `connectionIds` only, when given.
 */
export async function listOpenEventRows(
  x: Executor,
  a: { connectionIds?: string[]; receivedBefore: Date; afterId: string | null; limit: number },
): Promise<OpenEventRow[]> {
  const after = a.afterId ? BigInt(a.afterId) : 0n;
  const ofConnections = a.connectionIds
    ? Prisma.sql`AND connection_id = ANY(${a.connectionIds}::text[])`
    : Prisma.empty;
  const rows = await x.$queryRaw<
    {
      id: bigint;
      connection_id: string;
      event_id: string;
      workflow_id: string;
      run_id: string | null;
      status: string;
    }[]
  >`
    SELECT id, connection_id, event_id, workflow_id, run_id, status FROM webhook_events
    WHERE status = ANY(${[...OPEN_STATUSES]}::text[]) AND received_at < ${a.receivedBefore} AND id > ${after} ${ofConnections}
    ORDER BY id LIMIT ${a.limit}`;
  return rows.map((r) => ({
    eventRowId: r.id.toString(),
    connectionId: r.connection_id,
    eventId: r.event_id,
    workflowId: r.workflow_id,
    runId: r.run_id,
    status: r.status as EventRowStatus,
  }));
}

/** Deletes up to `limit` finished rows whose run ended before `cutoff`; returns how many. */
export function pruneFinishedEvents(x: Executor, cutoff: Date, limit: number): Promise<number> {
  const statuses = [...PRUNABLE_STATUSES];
  return x.$executeRaw`
    DELETE FROM webhook_events WHERE id IN (
      SELECT id FROM webhook_events WHERE finished_at < ${cutoff} AND status = ANY(${statuses}) LIMIT ${limit})`;
}

export interface EventListFilter {
  connectionId?: string;
  status?: string;
  limit?: number;
}

/** Newest first, without payloads: the one event listing behind the CLI and the admin API. */
export function listEventRows(x: Executor, f: EventListFilter) {
  return x.webhookEvent.findMany({
    where: { connectionId: f.connectionId, status: f.status },
    orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
    take: f.limit,
    omit: { payload: true },
  });
}

export function findEventRow(x: Executor, connectionId: string, eventId: string) {
  return x.webhookEvent.findUnique({ where: { connectionId_eventId: { connectionId, eventId } } });
}

export function listOperatorActions(x: Executor, eventRowId: bigint) {
  return x.operatorAction.findMany({ where: { eventRowId }, orderBy: { createdAt: 'asc' } });
}

/** A connection's event rows counted by status. */
export async function countEventsByStatus(x: Executor, connectionId: string): Promise<Record<string, number>> {
  const byStatus = await x.webhookEvent.groupBy({
    by: ['status'],
    where: { connectionId },
    _count: { _all: true },
    orderBy: { status: 'asc' },
  });
  return Object.fromEntries(byStatus.map((g) => [g.status, g._count._all]));
}

export async function eventHasStoredPayload(x: Executor, eventRowId: bigint): Promise<boolean> {
  return (await x.webhookEvent.count({ where: { id: eventRowId, payload: { not: null } } })) > 0;
}

export async function connectionIdOfEvent(x: Executor, eventRowId: string): Promise<string | undefined> {
  const row = await x.webhookEvent.findUnique({ where: { id: BigInt(eventRowId) }, select: { connectionId: true } });
  return row?.connectionId;
}

/** How many events are parked now, per connector (the parked-events gauge). Uses the (connection, status) index. */
export async function parkedCountsByConnector(x: Executor): Promise<Array<{ connector: string; parked: number }>> {
  const rows = await x.$queryRaw<Array<{ connector: string; parked: bigint }>>`
    SELECT c.connector, count(*) AS parked
    FROM webhook_events e JOIN connections c ON c.id = e.connection_id
    WHERE e.status = 'parked'
    GROUP BY c.connector`;
  return rows.map((r) => ({ connector: r.connector, parked: Number(r.parked) }));
}
