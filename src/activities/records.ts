// The version-guarded upsert shared by the webhook path and reconciliation.
// Invariant: a row's version never decreases. A delete is a tombstone row with
// its version, so a late, older "created" cannot bring the object back.
// Equal versions are a no-op, which makes every apply idempotent.
// `upsertFrom` is the one implementation: a single INSERT ... ON CONFLICT over
// unnest()ed arrays, so a reconciliation page of 500 records is one statement
// (`countedUpsertCtes`, which also counts, inside the page's commit); the
// webhook path applies a batch of one (`applyStates`).
import { Prisma } from '../generated/prisma/client';
import type { ApplyOutcome, WireObjectState } from '../contracts/processEvent';
import type { ActivityDeps } from './index';

export interface ApplyArgs {
  connectionId: string;
  objectType: string;
  objectId: string;
  state: WireObjectState;
  source: string;
}

export interface StateToApply {
  objectType: string;
  objectId: string;
  state: WireObjectState;
}

/** Anything with $queryRaw: the client, or a transaction client. */
type Sql = Pick<ActivityDeps['db'], '$queryRaw'>;

const keyOf = (s: StateToApply): string => JSON.stringify([s.objectType, s.objectId]);

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
 * applied only where `gate` holds; returns the changed keys and whether each row was new.
 */
const upsertFrom = (connectionId: string, source: string, from: Prisma.Sql, gate: Prisma.Sql = Prisma.sql`true`) => Prisma.sql`
    INSERT INTO sync_records (connection_id, object_type, object_id, version, deleted, data, source, write_count, created_at, updated_at)
    SELECT ${connectionId}, t.object_type, t.object_id, t.version, t.deleted, t.data, ${source}, 1, now(), now()
    FROM ${from}
    WHERE ${gate}
    ON CONFLICT (connection_id, object_type, object_id) DO UPDATE
      SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, data = EXCLUDED.data, source = EXCLUDED.source,
          write_count = sync_records.write_count + 1, updated_at = now()
      WHERE sync_records.version < EXCLUDED.version
    RETURNING object_type, object_id, (xmax = 0) AS inserted`;

const unnested = (b: ReturnType<typeof newestPerObject>) => Prisma.sql`
    unnest(${b.types}::text[], ${b.ids}::text[], ${b.versions}::bigint[], ${b.deleted}::boolean[], ${b.data}::jsonb[]) AS t(object_type, object_id, version, deleted, data)`;

/**
 * Applies states through the version guard; returns the keys of the rows that
 * changed (their version advanced).
 */
export async function applyStates(sql: Sql, connectionId: string, source: string, states: StateToApply[]): Promise<Set<string>> {
  const b = newestPerObject(states);
  if (b.size === 0) return new Set();
  const rows = await sql.$queryRaw<{ object_type: string; object_id: string }[]>(upsertFrom(connectionId, source, unnested(b)));
  return new Set(rows.map((r) => JSON.stringify([r.object_type, r.object_id])));
}

/**
 * The CTEs `up` and `counted` of a reconciliation page's upsert, to be
 * embedded in a statement that also moves the checkpoint: `up` is the guarded
 * upsert of the batch, applied only where `gate` holds; `counted` has one row,
 * `changed` (rows whose version advanced) and `new_to_source` (of those,
 * objects `source` had not written before), so a run counts each object it
 * changed once however many pages carry it. A row the upsert inserted is new
 * to it; for an updated row the prior source is read by primary key from the
 * statement's snapshot, which is from before the upsert (parts of one
 * statement do not see each other's writes). Only updated rows pay that probe,
 * and never as a join over the connection's rows (which made every page
 * O(table)).
 */
export function countedUpsertCtes(connectionId: string, source: string, states: StateToApply[], gate: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    up AS (${upsertFrom(connectionId, source, unnested(newestPerObject(states)), gate)}
    ), counted AS (
      SELECT count(*)::int AS changed,
             count(*) FILTER (WHERE CASE WHEN up.inserted THEN true ELSE NOT EXISTS (
               SELECT 1 FROM sync_records r
               WHERE r.connection_id = ${connectionId} AND r.object_type = up.object_type AND r.object_id = up.object_id AND r.source = ${source}) END)::int AS new_to_source
      FROM up
    )`;
}

export function createRecordActivities(deps: ActivityDeps) {
  return {
    async applyObjectState(args: ApplyArgs): Promise<{ outcome: ApplyOutcome; version: number | null }> {
      const version = args.state.version ?? 0;
      const changed = await applyStates(deps.db, args.connectionId, args.source, [args]);
      if (changed.size === 0) return { outcome: 'unchanged', version };
      return { outcome: args.state.found ? 'applied' : 'tombstoned', version };
    },
  };
}
