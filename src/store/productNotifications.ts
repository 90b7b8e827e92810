// product_notifications: where the product's notifications of one connection
// stand. `cursor` is the feed cursor of the last batch the product answered
// 2xx to (with the position it names in cursor_xid/cursor_seq); it moves only
// through `recordDelivered`, and only from the cursor the batch was read after
// (compare-and-set), so two deliveries of one batch racing (a retried activity
// whose first attempt still runs) cannot move it twice or backwards. A missing
// row means "nothing delivered yet": the notifier starts at the feed's start.
// `pending_to`/`pending_changes` pin the batch in flight after the cursor
// (`pinBatch`): every attempt of it sends the same changes, because the product
// may have stored an attempt whose 2xx never reached us, and it ignores a
// notification from a cursor it has passed (docs/notifications.md).
import { Prisma } from '../generated/prisma/client';
import type { Executor } from './executor';
import { decodeCursor, FEED_START, type FeedPosition } from './feedCursor';

export type NotificationStatus = 'active' | 'parked';

export interface NotificationRow {
  connectionId: string;
  cursor: string | null;
  status: NotificationStatus;
  failedAttempts: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  parkedAt: Date | null;
  lastDeliveredAt: Date | null;
  deliveredBatches: number;
  deliveredChanges: number;
}

/** Errors are stored this long at most (a product's error page is not our log). */
const ERROR_MAX_CHARS = 500;

export async function findNotificationState(x: Executor, connectionId: string): Promise<NotificationRow | null> {
  const row = await x.productNotification.findUnique({ where: { connectionId } });
  if (!row) return null;
  return {
    connectionId: row.connectionId,
    cursor: row.cursor,
    status: row.status as NotificationStatus,
    failedAttempts: row.failedAttempts,
    lastError: row.lastError,
    lastErrorAt: row.lastErrorAt,
    parkedAt: row.parkedAt,
    lastDeliveredAt: row.lastDeliveredAt,
    deliveredBatches: Number(row.deliveredBatches),
    deliveredChanges: Number(row.deliveredChanges),
  };
}

function positionOf(cursor: string): FeedPosition {
  const p = decodeCursor(cursor);
  if (!p) throw new Error(`not a feed cursor: ${cursor}`);
  return p;
}

/**
 * Moves the cursor from `from` to `to` after the product's 2xx, and clears the
 * failure state. Returns false (nothing written) when the stored cursor is no
 * longer `from`: another delivery of the same batch already moved it.
 */
export async function recordDelivered(
  x: Executor,
  a: { connectionId: string; from: string | null; to: string; changes: number },
): Promise<boolean> {
  const to = positionOf(a.to);
  const n = await x.$executeRaw`
    INSERT INTO product_notifications (connection_id, cursor, cursor_xid, cursor_seq, status, failed_attempts,
                                       last_delivered_at, delivered_batches, delivered_changes, updated_at)
    VALUES (${a.connectionId}, ${a.to}, ${to.xid}, ${to.seq}, 'active', 0, now(), 1, ${a.changes}, now())
    ON CONFLICT (connection_id) DO UPDATE
      SET cursor = EXCLUDED.cursor, cursor_xid = EXCLUDED.cursor_xid, cursor_seq = EXCLUDED.cursor_seq,
          pending_to = NULL, pending_changes = NULL, status = 'active', failed_attempts = 0, parked_at = NULL, last_delivered_at = now(),
          delivered_batches = product_notifications.delivered_batches + 1,
          delivered_changes = product_notifications.delivered_changes + EXCLUDED.delivered_changes, updated_at = now()
      WHERE product_notifications.cursor IS NOT DISTINCT FROM ${a.from}::text`;
  return n === 1;
}

export interface PinnedBatch {
  /** The batch's nextCursor. */
  to: string;
  changes: number;
}

/**
 * Where delivery stands: the delivered cursor and the batch pinned after it, if one is (one read of
 * the row; a pin always belongs to the stored cursor: recordDelivered clears it, pinBatch writes it
 * only while the cursor is the one it was read after).
 */
export async function findDeliveryCursor(
  x: Executor,
  connectionId: string,
): Promise<{ cursor: string | null; pinned: PinnedBatch | null }> {
  const row = await x.productNotification.findUnique({
    where: { connectionId },
    select: { cursor: true, pendingTo: true, pendingChanges: true },
  });
  const pinned =
    row?.pendingTo != null && row.pendingChanges != null ? { to: row.pendingTo, changes: row.pendingChanges } : null;
  return { cursor: row?.cursor ?? null, pinned };
}

/**
 * Pins the batch about to be sent after `from`, before its first POST: later attempts send these
 * changes again, never a batch that grew meanwhile. Written only while the stored cursor is still
 * `from` (a racing attempt that already moved it pins nothing).
 */
export async function pinBatch(
  x: Executor,
  a: { connectionId: string; from: string | null; to: string; changes: number },
): Promise<void> {
  await x.$executeRaw`
    INSERT INTO product_notifications (connection_id, pending_to, pending_changes, updated_at)
    VALUES (${a.connectionId}, ${a.to}, ${a.changes}, now())
    ON CONFLICT (connection_id) DO UPDATE
      SET pending_to = EXCLUDED.pending_to, pending_changes = EXCLUDED.pending_changes, updated_at = now()
      WHERE product_notifications.cursor IS NOT DISTINCT FROM ${a.from}::text`;
}

/** A success with nothing to deliver: the failure state is cleared, the cursor stays. */
export async function recordHealthy(x: Executor, connectionId: string): Promise<void> {
  await x.$executeRaw`
    UPDATE product_notifications SET status = 'active', failed_attempts = 0, parked_at = NULL, updated_at = now()
    WHERE connection_id = ${connectionId} AND (status <> 'active' OR failed_attempts <> 0)`;
}

/** One failed delivery attempt (the product answered non-2xx, or did not answer). */
export async function recordFailedAttempt(x: Executor, connectionId: string, error: string): Promise<void> {
  await x.$executeRaw`
    INSERT INTO product_notifications (connection_id, failed_attempts, last_error, last_error_at, updated_at)
    VALUES (${connectionId}, 1, ${error.slice(0, ERROR_MAX_CHARS)}, now(), now())
    ON CONFLICT (connection_id) DO UPDATE
      SET failed_attempts = product_notifications.failed_attempts + 1, last_error = EXCLUDED.last_error,
          last_error_at = now(), updated_at = now()`;
}

/** The retry schedule is spent: parked until a resume or a successful probe. Idempotent. */
export async function recordParked(x: Executor, connectionId: string, error: string): Promise<NotificationRow> {
  await x.$executeRaw`
    INSERT INTO product_notifications (connection_id, status, last_error, last_error_at, parked_at, updated_at)
    VALUES (${connectionId}, 'parked', ${error.slice(0, ERROR_MAX_CHARS)}, now(), now(), now())
    ON CONFLICT (connection_id) DO UPDATE
      SET status = 'parked', parked_at = COALESCE(product_notifications.parked_at, now()), updated_at = now()`;
  return (await findNotificationState(x, connectionId))!;
}

/**
 * Changes readable now (below the horizon, like every feed read) after the
 * delivered cursor, counted up to `cap`: what the product has not been told yet.
 */
export async function notificationBacklog(x: Executor, connectionId: string, cap: number): Promise<number> {
  const [row] = await x.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM record_changes c
      LEFT JOIN product_notifications p ON p.connection_id = c.connection_id,
      (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) h
      WHERE c.connection_id = ${connectionId} AND c.feed_xid < h.xmin
        AND (c.feed_xid, c.feed_seq) > (COALESCE(p.cursor_xid, ${FEED_START.xid}), COALESCE(p.cursor_seq, ${FEED_START.seq}))
      LIMIT ${cap}) b`;
  return row?.n ?? 0;
}

/** Enabled connections, not parked, whose feed holds readable changes after their delivered cursor. */
export async function connectionsWithBacklog(x: Executor): Promise<string[]> {
  const rows = await x.$queryRaw<{ id: string }[]>(Prisma.sql`
    SELECT k.id FROM connections k
    LEFT JOIN product_notifications p ON p.connection_id = k.id,
    (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) h
    WHERE k.enabled AND p.status IS DISTINCT FROM 'parked' AND EXISTS (
      SELECT 1 FROM record_changes c
      WHERE c.connection_id = k.id AND c.feed_xid < h.xmin
        AND (c.feed_xid, c.feed_seq) > (COALESCE(p.cursor_xid, ${FEED_START.xid}), COALESCE(p.cursor_seq, ${FEED_START.seq})))`);
  return rows.map((r) => r.id);
}

/** Whether entries written by transaction `xid` are readable by the feed now (every older transaction has ended). */
export async function isBelowHorizon(x: Executor, xid: bigint): Promise<boolean> {
  const [row] = await x.$queryRaw<{ readable: boolean }[]>`
    SELECT ${xid}::bigint < pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS readable`;
  return row?.readable ?? false;
}

/** Enabled connections whose notifier row says parked (the dispatcher's sweep checks their workflow still runs). */
export async function parkedConnections(x: Executor): Promise<string[]> {
  const rows = await x.$queryRaw<{ id: string }[]>`
    SELECT k.id FROM connections k JOIN product_notifications p ON p.connection_id = k.id
    WHERE k.enabled AND p.status = 'parked'`;
  return rows.map((r) => r.id);
}

/** Whether the connection's notifier is parked (the dispatcher does not wake parked ones). */
export async function isParked(x: Executor, connectionId: string): Promise<boolean> {
  const row = await x.productNotification.findUnique({ where: { connectionId }, select: { status: true } });
  return row?.status === 'parked';
}
