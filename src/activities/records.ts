// The version-guarded upsert shared by the webhook path and reconciliation.
// Invariant: a row's version never decreases. A delete is a tombstone row with
// its version, so a late, older "created" cannot bring the object back.
// Equal versions are a no-op, which makes every apply idempotent.
// `applyStates` is the one implementation: a single INSERT ... ON CONFLICT over
// unnest()ed arrays, so a reconciliation page of 500 records is one statement;
// the webhook path applies a batch of one.
import type { ApplyOutcome, WireObjectState } from '../shared/processEvent';
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

/**
 * Applies states through the version guard; returns the keys of the rows that
 * changed (their version advanced). Several states of one object in a batch
 * collapse to the newest first: one statement cannot update a row twice.
 */
export async function applyStates(sql: Sql, connectionId: string, source: string, states: StateToApply[]): Promise<Set<string>> {
  const newest = new Map<string, StateToApply>();
  for (const s of states) {
    const prev = newest.get(keyOf(s));
    if (!prev || (s.state.version ?? 0) > (prev.state.version ?? 0)) newest.set(keyOf(s), s);
  }
  if (newest.size === 0) return new Set();
  const batch = [...newest.values()];
  const types = batch.map((s) => s.objectType);
  const ids = batch.map((s) => s.objectId);
  const versions = batch.map((s) => String(Math.trunc(s.state.version ?? 0)));
  const deleted = batch.map((s) => !s.state.found);
  const data = batch.map((s) => (s.state.found ? JSON.stringify(s.state.data) : null));
  const rows = await sql.$queryRaw<{ object_type: string; object_id: string }[]>`
    INSERT INTO sync_records (connection_id, object_type, object_id, version, deleted, data, source, write_count, created_at, updated_at)
    SELECT ${connectionId}, t.object_type, t.object_id, t.version, t.deleted, t.data, ${source}, 1, now(), now()
    FROM unnest(${types}::text[], ${ids}::text[], ${versions}::bigint[], ${deleted}::boolean[], ${data}::jsonb[]) AS t(object_type, object_id, version, deleted, data)
    ON CONFLICT (connection_id, object_type, object_id) DO UPDATE
      SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, data = EXCLUDED.data, source = EXCLUDED.source,
          write_count = sync_records.write_count + 1, updated_at = now()
      WHERE sync_records.version < EXCLUDED.version
    RETURNING object_type, object_id`;
  return new Set(rows.map((r) => JSON.stringify([r.object_type, r.object_id])));
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
