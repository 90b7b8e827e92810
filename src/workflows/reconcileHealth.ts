// reconcileHealth: the scheduled check of every connection (schedule
// `reconcile-health`): repeated reconciliation failures and stale checkpoints
// become alerts. One database activity, retried without limit like every
// database step.
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';

type Activities = ReturnType<typeof createActivities>;

const db = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

export async function reconcileHealth(): Promise<{ kind: string; connectionId: string }[]> {
  return db.checkReconcileHealth({});
}
