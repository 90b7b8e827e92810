// sync_records: our copy of partner objects, one row per (connection, object
// type, object id). The ONLY module that writes it (a change feed stamping
// every change needs exactly one writer). Invariant: a row's version never
// decreases. A delete is a tombstone row with its version, so a late, older
// "created" cannot bring the object back. Equal versions are a no-op, which
// makes every apply idempotent.
//
// `upsertFrom` is the one implementation of the guarded upsert: a single
// INSERT ... ON CONFLICT over unnest()ed arrays, so a reconciliation page of
// 500 records is one statement (`countedUpsertCtes`, embedded in the page's
// commit by src/store/reconcileState.ts); the webhook path applies a batch of
// one (`applyStates`).
import { Prisma } from '../generated/prisma/client';
import { type Executor, toBigInt } from './executor';

/** One object's state as a partner reported it (found with data and version, or a tombstone). */
export type RecordState =
  { found: true; version: number; data: Record<string, unknown> } | { found: false; version: number | null };

export interface StateToApply {
  objectType: string;
  objectId: string;
  state: RecordState;
}

const keyOf = (s: { objectType: string; objectId: string }): string => JSON.stringify([s.objectType, s.objectId]);

/** Several states of one object in a batch collapse to the newest first: one statement cannot update a row twice. */
function newestPerObject(states: StateToApply[]) {
  const newest = new Map<string, StateToApply>();
  for (const s of states) {
    const prev = newest.get(keyOf(s));
    if (!prev || (s.state.version ?? 0) > (prev.state.version ?? 0)) newest.set(keyOf(s), s);
  }
  const batch = [...newest.values()];
  return {
    size: batch.length,
    types: batch.map((s) => s.objectType),
    ids: batch.map((s) => s.objectId),
    versions: batch.map((s) => String(Math.trunc(s.state.version ?? 0))),
    deleted: batch.map((s) => !s.state.found),
    data: batch.map((s) => (s.state.found ? JSON.stringify(s.state.data) : null)),
  };
}

/**
 * The guarded upsert of rows read from a relation `t(object_type, object_id, version, deleted, data)`,
 * applied only where `gate` holds; returns every row it touched, whether it was new (`inserted`) and
 * whether its content changed (`changed`).
 *
 * A newer version whose content (deleted flag and data, compared as jsonb) equals the row's is a
 * FENCE: only the version moves, so an older answer arriving later still loses the guard, but the
 * write is not a change: write_count, source and updated_at keep their values and `changed` is
 * false. Versionless partners rely on this (src/connectors/observedVersion.ts): each fetch carries
 * a new version, and re-reading an unchanged object must not count as a write. `changed` is read
 * as "updated_at is this transaction's now()" (at the column's millisecond precision): a content
 * write sets it, a fence keeps the value an earlier transaction set (each state is applied once
 * per statement, see newestPerObject). The one inexact case errs towards "changed": a fence
 * within the same millisecond as the previous content write is counted as a change.
 */
const upsertFrom = (connectionId: string, source: string, from: Prisma.Sql, gate: Prisma.Sql = Prisma.sql`true`) => {
  const same = Prisma.sql`(sync_records.deleted = EXCLUDED.deleted AND sync_records.data IS NOT DISTINCT FROM EXCLUDED.data)`;
  return Prisma.sql`
    INSERT INTO sync_records (connection_id, object_type, object_id, version, deleted, data, source, write_count, created_at, updated_at)
    SELECT ${connectionId}, t.object_type, t.object_id, t.version, t.deleted, t.data, ${source}, 1, now(), now()
    FROM ${from}
    WHERE ${gate}
    ON CONFLICT (connection_id, object_type, object_id) DO UPDATE
      SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, data = EXCLUDED.data,
          source = CASE WHEN ${same} THEN sync_records.source ELSE EXCLUDED.source END,
          write_count = sync_records.write_count + CASE WHEN ${same} THEN 0 ELSE 1 END,
          updated_at = CASE WHEN ${same} THEN sync_records.updated_at ELSE now() END
      WHERE sync_records.version < EXCLUDED.version
    RETURNING object_type, object_id, (xmax = 0) AS inserted, (updated_at = now()::timestamptz(3)) AS changed`;
};

const unnested = (b: ReturnType<typeof newestPerObject>) => Prisma.sql`
    unnest(${b.types}::text[], ${b.ids}::text[], ${b.versions}::bigint[], ${b.deleted}::boolean[], ${b.data}::jsonb[]) AS t(object_type, object_id, version, deleted, data)`;

/** Applies states through the version guard; returns the keys of the rows whose content changed (fences are not changes). */
export async function applyStates(
  x: Executor,
  connectionId: string,
  source: string,
  states: StateToApply[],
): Promise<Set<string>> {
  const b = newestPerObject(states);
  if (b.size === 0) return new Set();
  const rows = await x.$queryRaw<{ object_type: string; object_id: string }[]>(
    Prisma.sql`WITH up AS (${upsertFrom(connectionId, source, unnested(b))}) SELECT object_type, object_id FROM up WHERE changed`,
  );
  return new Set(rows.map((r) => keyOf({ objectType: r.object_type, objectId: r.object_id })));
}

/**
 * The CTEs `up` and `counted` of a reconciliation page's upsert, to be
 * embedded in a statement that also moves the checkpoint: `up` is the guarded
 * upsert of the batch, applied only where `gate` holds; `counted` has one row,
 * `changed` (rows whose content changed; fences only move the version) and `new_to_source` (of those,
 * objects `source` had not written before), so a run counts each object it
 * changed once however many pages carry it. A row the upsert inserted is new
 * to it; for an updated row the prior source is read by primary key from the
 * statement's snapshot, which is from before the upsert (parts of one
 * statement do not see each other's writes). Only updated rows pay that probe,
 * and never as a join over the connection's rows (which made every page
 * O(table)).
 */
export function countedUpsertCtes(
  connectionId: string,
  source: string,
  states: StateToApply[],
  gate: Prisma.Sql,
): Prisma.Sql {
  return Prisma.sql`
    up AS (${upsertFrom(connectionId, source, unnested(newestPerObject(states)), gate)}
    ), counted AS (
      SELECT count(*)::int AS changed,
             count(*) FILTER (WHERE CASE WHEN up.inserted THEN true ELSE NOT EXISTS (
               SELECT 1 FROM sync_records r
               WHERE r.connection_id = ${connectionId} AND r.object_type = up.object_type AND r.object_id = up.object_id AND r.source = ${source}) END)::int AS new_to_source
      FROM up WHERE up.changed
    )`;
}

/**
 * A full diff's tombstone that the partner lists live again at the very
 * version it was tombstoned with (the delete was wrong) comes back to life.
 * Returns 1 when it did.
 */
export function reviveTombstone(
  x: Executor,
  a: {
    connectionId: string;
    objectType: string;
    objectId: string;
    version: number;
    data: Record<string, unknown>;
    source: string;
  },
): Promise<number> {
  return x.$executeRaw`
    UPDATE sync_records SET deleted = false, data = ${JSON.stringify(a.data)}::jsonb, source = ${a.source}, write_count = write_count + 1, updated_at = now()
    WHERE connection_id = ${a.connectionId} AND object_type = ${a.objectType} AND object_id = ${a.objectId}
      AND deleted AND version = ${toBigInt(a.version)}`;
}

/**
 * The full diff's delete candidates: live records the run's listing did not
 * name, written before the run began (the listing may predate later writes).
 */
const unlistedLive = (connectionId: string) => Prisma.sql`
    r.connection_id = ${connectionId} AND r.deleted = false AND r.updated_at < run.started_at
    AND NOT EXISTS (SELECT 1 FROM reconcile_seen_ids s WHERE s.run_id = run.id AND s.object_type = r.object_type AND s.object_id = r.object_id)`;

/** Live records of the connection, and how many of them the run would tombstone. */
export async function countDeleteCandidates(
  x: Executor,
  connectionId: string,
  runId: string,
): Promise<{ live: number; candidates: number }> {
  const [row] = await x.$queryRaw<{ live: number; candidates: number }[]>`
    SELECT count(*)::int AS live,
           count(*) FILTER (WHERE r.updated_at < run.started_at AND NOT EXISTS (
             SELECT 1 FROM reconcile_seen_ids s WHERE s.run_id = run.id AND s.object_type = r.object_type AND s.object_id = r.object_id))::int AS candidates
    FROM sync_records r JOIN reconcile_runs run ON run.id = ${runId}
    WHERE r.connection_id = ${connectionId} AND r.deleted = false`;
  return { live: row?.live ?? 0, candidates: row?.candidates ?? 0 };
}

/**
 * Tombstones the candidates WITHOUT advancing their version (the listing does
 * not say which version deleted them), so any later partner state of such an
 * object still wins the version guard. Returns how many.
 */
export function tombstoneUnlisted(
  x: Executor,
  a: { connectionId: string; runId: string; source: string },
): Promise<number> {
  return x.$executeRaw`
    UPDATE sync_records r SET deleted = true, data = NULL, source = ${a.source}, write_count = r.write_count + 1, updated_at = now()
    FROM reconcile_runs run
    WHERE run.id = ${a.runId} AND ${unlistedLive(a.connectionId)}`;
}

export function listRecords(x: Executor, f: { connectionId: string; objectType?: string; limit: number }) {
  return x.syncRecord.findMany({
    where: { connectionId: f.connectionId, objectType: f.objectType },
    orderBy: [{ updatedAt: 'desc' }, { objectType: 'asc' }, { objectId: 'asc' }],
    take: f.limit,
    omit: { data: true },
  });
}

export function findRecord(x: Executor, connectionId: string, objectType: string, objectId: string) {
  return x.syncRecord.findUnique({
    where: { connectionId_objectType_objectId: { connectionId, objectType, objectId } },
  });
}

export async function countRecords(x: Executor, connectionId: string): Promise<{ total: number; deleted: number }> {
  const [total, deleted] = await Promise.all([
    x.syncRecord.count({ where: { connectionId } }),
    x.syncRecord.count({ where: { connectionId, deleted: true } }),
  ]);
  return { total, deleted };
}
