// Applying one object's state to our copy through the version guard
// (src/store/syncRecords.ts owns the upsert): the webhook path's write.
import type { ApplyOutcome, WireObjectState } from '../contracts/processEventContract';
import { applyStates } from '../store/syncRecords';
import type { ActivityDeps } from './deps';

export interface ApplyArgs {
  connectionId: string;
  objectType: string;
  objectId: string;
  state: WireObjectState;
  source: string;
}

export function createRecordActivities(deps: Pick<ActivityDeps, 'db'>) {
  return {
    async applyObjectState(args: ApplyArgs): Promise<{ outcome: ApplyOutcome; version: number | null }> {
      const version = args.state.version ?? 0;
      const changed = await applyStates(deps.db, args.connectionId, args.source, [args]);
      if (changed.size === 0) return { outcome: 'unchanged', version };
      return { outcome: args.state.found ? 'applied' : 'tombstoned', version };
    },
  };
}
