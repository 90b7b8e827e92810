// record_changes: the change feed of sync_records (docs/change-feed.md). Rows
// are written ONLY by the triggers of migration 20261206000000_change_feed, in
// the transaction that changes the record; this module only reads them.
//
// Contract of every read here: it returns entries (or records) in feed order,
// (feed_xid, feed_seq), and only those below the read's horizon, the oldest
// transaction still in flight (pg_snapshot_xmin of the statement's snapshot).
// Every entry a later read can return sorts after every entry an earlier read
// returned, so a reader that keeps the last position it saw never skips a
// change and never sees one twice. Horizon and rows come from one statement,
// hence one snapshot. A long transaction anywhere in the PostgreSQL cluster
// holds the horizon, and so the feed, back until it ends.
import { Prisma } from '../generated/prisma/client';
import type { Executor } from './executor';
import { FEED_START, type FeedPosition } from './feedCursor';

export interface RecordChangeEntry {
  position: FeedPosition;
  connectionId: string;
  objectType: string;
  objectId: string;
  version: bigint;
  deleted: boolean;
  data: unknown;
  /** "webhook:<eventId>" or "reconcile:<runId>". */
  source: string;
  changedAt: Date;
}

/** A sync_records row as the feed orders it: its current state, at the position of its last change. */
export type FeedRecord = RecordChangeEntry & { createdAt: Date };

export interface FeedPage<T> {
  items: T[];
  /** The position to read after next time: the last item's, or `after` when the page is empty. */
  next: FeedPosition;
}

const HORIZON = Prisma.sql`(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) h`;

interface Row {
  feed_xid: bigint;
  feed_seq: bigint;
  connection_id: string;
  object_type: string;
  object_id: string;
  version: bigint;
  deleted: boolean;
  data: unknown;
  source: string;
  changed_at: Date;
  created_at?: Date;
}

const entryOf = (r: Row): RecordChangeEntry => ({
  position: { xid: BigInt(r.feed_xid), seq: BigInt(r.feed_seq) },
  connectionId: r.connection_id,
  objectType: r.object_type,
  objectId: r.object_id,
  version: BigInt(r.version),
  deleted: r.deleted,
  data: r.data,
  source: r.source,
  changedAt: r.changed_at,
});

function page<T extends { position: FeedPosition }>(items: T[], after: FeedPosition): FeedPage<T> {
  return { items, next: items.at(-1)?.position ?? after };
}

/** The connection's changes after `after`, across all types (or one `objectType`), oldest first. */
export async function readChanges(
  x: Executor,
  f: { connectionId: string; after?: FeedPosition; limit: number; objectType?: string },
): Promise<FeedPage<RecordChangeEntry>> {
  const after = f.after ?? FEED_START;
  const type = f.objectType === undefined ? Prisma.empty : Prisma.sql`AND c.object_type = ${f.objectType}`;
  const rows = await x.$queryRaw<Row[]>`
    SELECT c.feed_xid, c.feed_seq, c.connection_id, c.object_type, c.object_id, c.version, c.deleted, c.data, c.source, c.changed_at
    FROM record_changes c, ${HORIZON}
    WHERE c.connection_id = ${f.connectionId} ${type} AND c.feed_xid < h.xmin
      AND (c.feed_xid, c.feed_seq) > (${after.xid}, ${after.seq})
    ORDER BY c.feed_xid, c.feed_seq
    LIMIT ${f.limit}`;
  return page(rows.map(entryOf), after);
}

/**
 * The connection's records of one type in change order: each record once, at
 * the position of its last change, tombstones included. A record that changes
 * after a reader passed it comes again later, with its new state.
 */
export async function readRecordsInChangeOrder(
  x: Executor,
  f: { connectionId: string; objectType: string; after?: FeedPosition; limit: number },
): Promise<FeedPage<FeedRecord>> {
  const after = f.after ?? FEED_START;
  const rows = await x.$queryRaw<Row[]>`
    SELECT r.feed_xid, r.feed_seq, r.connection_id, r.object_type, r.object_id, r.version, r.deleted, r.data, r.source,
           r.updated_at AS changed_at, r.created_at
    FROM sync_records r, ${HORIZON}
    WHERE r.connection_id = ${f.connectionId} AND r.object_type = ${f.objectType} AND r.feed_xid < h.xmin
      AND (r.feed_xid, r.feed_seq) > (${after.xid}, ${after.seq})
    ORDER BY r.feed_xid, r.feed_seq
    LIMIT ${f.limit}`;
  return page(
    rows.map((r) => ({ ...entryOf(r), createdAt: r.created_at! })),
    after,
  );
}

/** The position of the connection's newest readable change, or null when it has none yet. */
export async function readableHead(x: Executor, connectionId: string): Promise<FeedPosition | null> {
  const [row] = await x.$queryRaw<{ feed_xid: bigint; feed_seq: bigint }[]>`
    SELECT c.feed_xid, c.feed_seq FROM record_changes c, ${HORIZON}
    WHERE c.connection_id = ${connectionId} AND c.feed_xid < h.xmin
    ORDER BY c.feed_xid DESC, c.feed_seq DESC LIMIT 1`;
  return row ? { xid: BigInt(row.feed_xid), seq: BigInt(row.feed_seq) } : null;
}
