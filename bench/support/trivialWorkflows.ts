// Baseline for the e2e benchmark: a workflow that runs the same number of
// activities as processEvent (fetch, apply, record outcome, supersede check),
// each a no-op, with the same kind of retry declaration at the call.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './trivialActivities';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } });

export const TRIVIAL_ACTIVITY_COUNT = 4;

export async function trivial(input: { id: string; activities: number }): Promise<number> {
  let done = 0;
  for (let i = 0; i < input.activities; i++) done += await noop(input.id);
  return done;
}
