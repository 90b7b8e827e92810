// reconcileHealth: the scheduled check of every connection (schedule
// `reconcile-health`): repeated reconciliation failures and stale checkpoints
// become alerts. One database activity, retried without limit like every
// database step.
import { databaseSteps } from './activityProxies';

const db = databaseSteps('60s');

export async function reconcileHealth(): Promise<{ kind: string; connectionId: string }[]> {
  return db.checkReconcileHealth({});
}
