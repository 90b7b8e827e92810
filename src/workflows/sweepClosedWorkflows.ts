// sweepClosedWorkflows: the periodic sweep (schedule `events-sweep`). One
// activity settles rows whose workflow was closed from outside or is gone
// (src/activities/lifecycleSweep.ts): termination runs no workflow code, so
// without it a terminated event would say `parked` or `accepted` for good.
// Bounded per run; a worker that dies mid-run is replaced after the heartbeat
// timeout and the next attempt continues from the heartbeat's cursor.
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from './activityProxies';
import type { SweepArgs, SweepResult } from '../activities/lifecycleSweep';

const { sweepClosedWorkflows: sweep } = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 10 },
});

export async function sweepClosedWorkflows(args: SweepArgs = {}): Promise<SweepResult> {
  const result = await sweep(args);
  log.info('sweep.done', { ...result });
  return result;
}
