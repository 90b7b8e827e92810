// What an engineer does to a workflow from the Temporal Web UI or CLI, done
// through the real client and the real service API (the Web UI calls the same
// frontend RPCs): terminate, request cancellation, reset to the first or the
// last workflow task, and signals/updates with arbitrary JSON.
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Payloads a careless or hostile sender may put in a signal or update. */
export const JUNK_PAYLOADS: unknown[] = [
  null,
  42,
  'replay it',
  [],
  [{ by: 'x' }],
  {},
  { by: 5 },
  { by: '   ' },
  { by: 'x'.repeat(10_000) },
  { by: 'mallory', reason: { nested: true } },
  { version: 'eleven', source: 7 },
  { version: -1, source: 'x' },
  { version: 1e300, source: 'x' },
];

/** Every signal and update name syncline's workflows define. */
export const PROCESS_EVENT_SIGNALS = ['replayEvent', 'skipEvent', 'supersede'];
export const PROCESS_EVENT_UPDATES = ['replay', 'skip'];
export const RECONCILE_SIGNALS = ['confirmDeletes'];
export const NOTIFIER_SIGNALS = ['wake', 'resume'];
/** The Web UI lets an engineer type any name: one no syncline workflow defines is sent too. */
export const UNDEFINED_NAME = 'notASynclineHandler';

/** Reset to the first or the last completed workflow task, as the Web UI's Reset offers. */
export async function resetWorkflow(client: Client, workflowId: string, to: 'first' | 'last'): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  const d = await handle.describe();
  const history = await client.workflow.getHandle(workflowId, d.runId).fetchHistory();
  const completed = (history.events ?? []).filter(
    (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  );
  const point = to === 'first' ? completed[0] : completed.at(-1);
  if (!point?.eventId) throw new Error(`workflow ${workflowId} has no completed workflow task to reset to`);
  const res = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId, runId: d.runId },
    reason: `test: reset to the ${to} workflow task`,
    workflowTaskFinishEventId: point.eventId,
    requestId: crypto.randomUUID(),
  });
  return res.runId!;
}

/** Sends every junk payload to every named signal and to one no workflow defines; each send must be accepted by the server. */
export async function sendJunkSignals(client: Client, workflowId: string, names: string[]): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  for (const name of [...names, UNDEFINED_NAME])
    for (const payload of JUNK_PAYLOADS) await handle.signal(name, payload);
}

/**
 * Updates sent at once: a processEvent run whose partner fetch (a local activity) holds its workflow
 * task open takes updates in only at the task's heartbeats, 8 s apart, so one at a time 39 of them
 * take minutes. Below the server's default of 10 in-flight updates per workflow (history.maxInFlightUpdates).
 */
const UPDATES_AT_ONCE = 8;

/** Sends every junk payload to every named update and to one no workflow defines; returns how many were not rejected. */
export async function sendJunkUpdates(client: Client, workflowId: string, names: string[]): Promise<number> {
  const handle = client.workflow.getHandle(workflowId);
  const sends = [...names, UNDEFINED_NAME].flatMap((name) => JUNK_PAYLOADS.map((payload) => ({ name, payload })));
  let accepted = 0;
  for (let i = 0; i < sends.length; i += UPDATES_AT_ONCE) {
    const results = await Promise.allSettled(
      sends.slice(i, i + UPDATES_AT_ONCE).map(({ name, payload }) => handle.executeUpdate(name, { args: [payload] })),
    );
    for (const r of results) {
      if (r.status === 'fulfilled') accepted += 1;
      else if ((r.reason as Error).name !== 'WorkflowUpdateFailedError') throw r.reason;
    }
  }
  return accepted;
}

/** Workflow task failures in a run's history (a handler that threw fails the task, and Temporal retries it forever). */
export async function workflowTaskFailures(client: Client, workflowId: string, runId?: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  ).length;
}
