// webhook_inbox: deliveries answered 202 that wait for their workflow start
// (OVERLOAD_MODE=overflow). The only module that reads or writes it.
// - insert: one row per (connection, event id); a second delivery of a waiting
//   event inserts nothing and is told so (the receiver answers it 200 duplicate).
// - claim: rows whose lease ended, oldest first, leased to the caller in one
//   statement (FOR UPDATE SKIP LOCKED): several relays never claim the same row,
//   and a relay that dies mid-drain lets its rows go when the lease ends.
// - remove only after Temporal holds the event; release puts a row back with a delay.
import type { Executor } from './executor';

export interface InboxEntry {
  connectionId: string;
  eventId: string;
  workflowId: string;
  /** The task queue the start is for: each relay drains its own queue's rows (deployments or test systems sharing a database stay apart). */
  taskQueue: string;
  /** The processEvent input, JSON text (kept byte for byte: the input carries a seal over its payload). */
  input: string;
  receivedAtMs: number;
}

export interface ClaimedInboxRow extends InboxEntry {
  id: bigint;
  attempts: number;
}

export interface InboxStats {
  depth: number;
  oldestAgeSec: number;
}

/** True when this call wrote the row; false when the event was already waiting. */
export async function insertInboxEntry(x: Executor, e: InboxEntry): Promise<boolean> {
  const rows = await x.$queryRaw<{ id: bigint }[]>`
    INSERT INTO webhook_inbox (connection_id, event_id, workflow_id, task_queue, input, received_at)
    VALUES (${e.connectionId}, ${e.eventId}, ${e.workflowId}, ${e.taskQueue}, ${e.input}, ${new Date(e.receivedAtMs)})
    ON CONFLICT (connection_id, event_id) DO NOTHING
    RETURNING id`;
  return rows.length > 0;
}

export async function claimInboxRows(
  x: Executor,
  taskQueue: string,
  limit: number,
  leaseMs: number,
): Promise<ClaimedInboxRow[]> {
  const rows = await x.$queryRaw<
    {
      id: bigint;
      connection_id: string;
      event_id: string;
      workflow_id: string;
      task_queue: string;
      input: string;
      received_at: Date;
      attempts: number;
    }[]
  >`
    UPDATE webhook_inbox SET lease_until = clock_timestamp() + ${leaseMs}::float8 * interval '1 millisecond', attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM webhook_inbox WHERE task_queue = ${taskQueue} AND lease_until <= clock_timestamp()
      ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id, connection_id, event_id, workflow_id, task_queue, input, received_at, attempts`;
  return rows
    .map((r) => ({
      id: r.id,
      connectionId: r.connection_id,
      eventId: r.event_id,
      workflowId: r.workflow_id,
      taskQueue: r.task_queue,
      input: r.input,
      receivedAtMs: r.received_at.getTime(),
      attempts: r.attempts,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

export async function removeInboxRow(x: Executor, id: bigint): Promise<void> {
  await x.$executeRaw`DELETE FROM webhook_inbox WHERE id = ${id}`;
}

/**
 * Gives a claimed row back, to be claimed again after `delayMs`, with the reason it was not started.
 * `uncountAttempt`: no start was tried (the claim's attempt is taken back, so the backoff stays short).
 */
export async function releaseInboxRow(
  x: Executor,
  id: bigint,
  delayMs: number,
  error: string,
  opts: { uncountAttempt?: boolean } = {},
): Promise<void> {
  const taken = opts.uncountAttempt ? 1 : 0;
  await x.$executeRaw`
    UPDATE webhook_inbox SET lease_until = clock_timestamp() + ${delayMs}::float8 * interval '1 millisecond',
      last_error = ${error}, attempts = greatest(0, attempts - ${taken}::int)
    WHERE id = ${id}`;
}

export async function inboxStats(x: Executor): Promise<InboxStats> {
  const rows = await x.$queryRaw<{ depth: bigint; age: number | null }[]>`
    SELECT count(*) AS depth, extract(epoch FROM clock_timestamp() - min(received_at))::float8 AS age FROM webhook_inbox`;
  const r = rows[0];
  return { depth: Number(r?.depth ?? 0), oldestAgeSec: Math.max(0, r?.age ?? 0) };
}

/** True while the event waits in the inbox for the relay to start its workflow. */
export async function inboxHolds(x: Executor, connectionId: string, eventId: string): Promise<boolean> {
  const rows = await x.$queryRaw<{ one: number }[]>`
    SELECT 1 AS one FROM webhook_inbox WHERE connection_id = ${connectionId} AND event_id = ${eventId}`;
  return rows.length > 0;
}

/** The rows waiting for one connection's events (tests and the ops CLI). */
export async function inboxEventIds(x: Executor, connectionId: string): Promise<string[]> {
  const rows = await x.$queryRaw<{ event_id: string }[]>`
    SELECT event_id FROM webhook_inbox WHERE connection_id = ${connectionId} ORDER BY id`;
  return rows.map((r) => r.event_id);
}
