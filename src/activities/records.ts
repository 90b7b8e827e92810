// The version-guarded upsert shared by the webhook path and reconciliation.
// Invariant: a row's version never decreases. A delete is a tombstone row with
// its version, so a late, older "created" cannot bring the object back.
// Equal versions are a no-op, which makes every apply idempotent.
import type { ApplyOutcome, WireObjectState } from '../shared/processEvent';
import type { ActivityDeps } from './index';

export interface ApplyArgs {
  connectionId: string;
  objectType: string;
  objectId: string;
  state: WireObjectState;
  source: string;
}

export function createRecordActivities(deps: ActivityDeps) {
  return {
    async applyObjectState(args: ApplyArgs): Promise<{ outcome: ApplyOutcome; version: number | null }> {
      const version = args.state.version ?? 0;
      const deleted = !args.state.found;
      const data = args.state.found ? JSON.stringify(args.state.data) : null;
      const rows = await deps.db.$queryRaw<{ write_count: number }[]>`
        INSERT INTO sync_records (connection_id, object_type, object_id, version, deleted, data, source, write_count, created_at, updated_at)
        VALUES (${args.connectionId}, ${args.objectType}, ${args.objectId}, ${BigInt(Math.trunc(version))}, ${deleted}, ${data}::jsonb, ${args.source}, 1, now(), now())
        ON CONFLICT (connection_id, object_type, object_id) DO UPDATE
          SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, data = EXCLUDED.data, source = EXCLUDED.source,
              write_count = sync_records.write_count + 1, updated_at = now()
          WHERE sync_records.version < EXCLUDED.version
        RETURNING write_count`;
      if (rows.length === 0) return { outcome: 'unchanged', version };
      return { outcome: deleted ? 'tombstoned' : 'applied', version };
    },
  };
}
