// Baseline for the e2e benchmark: a workflow that runs the same activities as
// processEvent: one local activity (recording the row) then the four activities
// (fetch, apply, record outcome, supersede check), each a no-op, with the same
// kind of retry declaration at the call.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type * as activities from './trivialActivities';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };
const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '30s', retry });
const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '10s', retry });

export const TRIVIAL_ACTIVITY_COUNT = 4;

export async function trivial(input: { id: string; activities: number }): Promise<number> {
  let done = await local.noop(input.id);
  for (let i = 0; i < input.activities; i++) done += await noop(input.id);
  return done;
}

/** The zero-activity reference (start → complete): what Temporal alone costs per workflow (bench:compare). */
export async function zeroActivity(): Promise<void> {
  // Nothing: the workflow's only cost is its start, one workflow task and its completion.
}
