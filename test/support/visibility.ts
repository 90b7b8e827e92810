import type { Client } from '@temporalio/client';
import { waitFor } from './wait';

/** Executions with this workflow id, open or closed: 1 means the event was started exactly once. */
export async function runsOf(client: Client, workflowId: string): Promise<number> {
  const count = async () => {
    let n = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n++;
    return n;
  };
  // Visibility trails the run by a moment: wait for the first, then count.
  await waitFor(`a run of ${workflowId} in visibility`, async () => (await count()) > 0);
  return count();
}
