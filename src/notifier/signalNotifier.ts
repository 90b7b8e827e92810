// Waking and resuming a connection's notifier workflow. Both are one
// signal-with-start of notifyProduct, by function reference (its input is
// type-checked): the workflow is started when it is not running (first change
// of a connection, or after it was terminated), and signalled when it is.
import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { notifierWorkflowId, type NotifyInput, resumeSignal, wakeSignal } from '../contracts/notifyContract';
import { notifyProduct } from '../workflows/notifyProduct';

async function signalWithStart(
  client: Client,
  taskQueue: string,
  input: NotifyInput,
  signal: SignalDefinition<[]>,
): Promise<void> {
  await client.workflow.signalWithStart(notifyProduct, {
    workflowId: notifierWorkflowId(input.connectionId),
    taskQueue,
    args: [input],
    signal,
    signalArgs: [],
  });
}

export const wakeNotifier = (client: Client, taskQueue: string, input: NotifyInput) =>
  signalWithStart(client, taskQueue, input, wakeSignal);

export const resumeNotifier = (client: Client, taskQueue: string, input: NotifyInput) =>
  signalWithStart(client, taskQueue, input, resumeSignal);
