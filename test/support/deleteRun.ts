// Deleting a closed run, as Temporal's retention does, so that its workflow id is free again.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { waitFor } from './wait';

/**
 * Deletes a closed run and waits until Temporal no longer knows it. The server deletes in the
 * background, and only after the run's close tasks are acknowledged: on a loaded machine that took
 * from 20 s to over 30 s, so the wait is long and the request is repeated (it is idempotent).
 */
export async function deleteClosedRun(client: Client, workflowId: string, timeoutMs = 110_000): Promise<void> {
  const request = () =>
    client.workflowService
      .deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: { workflowId } })
      .catch(() => undefined); // already gone, or deletion under way: the describe below decides
  await request();
  let polls = 0;
  await waitFor(
    `run ${workflowId} to be deleted`,
    async () => {
      if (++polls % 50 === 0) await request();
      return client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => undefined,
          (err: Error) => err instanceof WorkflowNotFoundError,
        );
    },
    timeoutMs,
  );
}
