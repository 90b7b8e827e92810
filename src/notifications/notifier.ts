// Waking and resuming a connection's notifier workflow. Both are one
// signal-with-start: the workflow is started when it is not running (first
// change of a connection, or after it was terminated), and signalled when it is.
import type { Client } from '@temporalio/client';
import {
  NOTIFIER_WORKFLOW_TYPE,
  notifierWorkflowId,
  type NotifyInput,
  RESUME_SIGNAL,
  WAKE_SIGNAL,
} from '../contracts/notifyContract';

async function signalWithStart(client: Client, taskQueue: string, input: NotifyInput, signal: string): Promise<void> {
  await client.workflow.signalWithStart(NOTIFIER_WORKFLOW_TYPE, {
    workflowId: notifierWorkflowId(input.connectionId),
    taskQueue,
    args: [input],
    signal,
    signalArgs: [],
  });
}

export const wakeNotifier = (client: Client, taskQueue: string, input: NotifyInput) =>
  signalWithStart(client, taskQueue, input, WAKE_SIGNAL);

export const resumeNotifier = (client: Client, taskQueue: string, input: NotifyInput) =>
  signalWithStart(client, taskQueue, input, RESUME_SIGNAL);
