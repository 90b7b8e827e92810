// The `operator` fault: an engineer in the Temporal Web UI acting on syncline's
// workflows while the chaos run streams (issue 16). At seeded points of the
// stream it picks a running processEvent workflow and terminates it, requests
// its cancellation, resets it to its first or last workflow task, or sends
// junk JSON to every signal and update. Which workflow is picked depends on
// timing (what is running then); the action sequence depends on the seed only.
// After the stream the runner settles what the actions left (settleClosed):
// the sweep records closed runs' rows, and the operator replays them.
import type { Client } from '@temporalio/client';
import {
  PROCESS_EVENT_SIGNALS,
  PROCESS_EVENT_UPDATES,
  resetWorkflow,
  sendJunkSignals,
  sendJunkUpdates,
} from '../support/workflowActions';
import { type Random, intBetween, stream } from './prng';

export const OPERATOR_ACTIONS = ['terminate', 'cancel', 'reset-first', 'reset-last', 'junk'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export interface OperatorFaults {
  /** Actions over the whole stream (0 = off), at seeded points between 5% and 95% of it. */
  actions: number;
}

export interface PlannedAction {
  /** Fraction of the stream after which it happens. */
  at: number;
  action: OperatorAction;
  /** Which of the running workflows listed then (as a fraction of their count). */
  pick: number;
}

/** Every kind of action once per OPERATOR_ACTIONS.length actions, in a seeded order, at seeded points. */
export function planOperatorActions(seed: number, f: OperatorFaults): PlannedAction[] {
  const r: Random = stream(seed, 'operator');
  const order = [...OPERATOR_ACTIONS];
  for (let i = order.length - 1; i > 0; i--) {
    const j = intBetween(r, 0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const at = Array.from({ length: f.actions }, () => 0.05 + r() * 0.9).sort((a, b) => a - b);
  return at.map((point, i) => ({ at: point, action: order[i % order.length]!, pick: r() }));
}

/** Performs one action on a running processEvent workflow of the task queue; the workflow id, or null if none ran. */
export async function performOperatorAction(
  client: Client,
  taskQueue: string,
  a: PlannedAction,
): Promise<string | null> {
  const running: string[] = [];
  const query = `TaskQueue = "${taskQueue}" AND WorkflowType = "processEvent" AND ExecutionStatus = "Running"`;
  for await (const wf of client.workflow.list({ query })) {
    running.push(wf.workflowId);
    if (running.length >= 100) break;
  }
  const workflowId = running[Math.floor(a.pick * running.length)];
  if (!workflowId) return null;
  const handle = client.workflow.getHandle(workflowId);
  switch (a.action) {
    case 'terminate':
      await handle.terminate('chaos: operator terminates from the Web UI');
      break;
    case 'cancel':
      await handle.cancel();
      break;
    case 'reset-first':
    case 'reset-last':
      await resetWorkflow(client, workflowId, a.action === 'reset-first' ? 'first' : 'last');
      break;
    case 'junk':
      await sendJunkSignals(client, workflowId, PROCESS_EVENT_SIGNALS);
      await sendJunkUpdates(client, workflowId, PROCESS_EVENT_UPDATES);
      break;
  }
  return workflowId;
}
