// pruneEventRows: the daily retention run (schedule `events-retention`). One
// activity deletes finished event rows older than EVENT_RETENTION_DAYS in
// batches, heartbeating; a worker that dies mid-run is replaced after the
// heartbeat timeout and the next attempt continues where the deletions stopped.
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from './activityProxies';

const { pruneEventRows: prune } = proxyActivities<Activities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 10 },
});

export async function pruneEventRows(): Promise<{ deleted: number; cutoff: string | null }> {
  const result = await prune();
  log.info('retention.pruned', { deleted: result.deleted, cutoff: result.cutoff });
  return result;
}
