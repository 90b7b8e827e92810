// The life of a reconcile_runs row, written once. Every write that changes a
// run's status goes through src/store/reconcileState.ts, which makes the write
// conditional on this table (`WHERE status = ANY(runAllowedFrom(to))`) and
// refuses the rest (RunTransitionRefusedError). Writing the same status again
// is always allowed: activities retry, and a retried write must be a no-op.
//
//   (new) ──▶ running    the run's first step
//   running ─▶ blocked   the mass-deletion guard holds the full diff for an operator
//   blocked ─▶ running   an operator confirmed: the deletions are applied
//   running ─▶ succeeded | failed   the workflow ends it (blocked ─▶ blocked when the operator said no or never answered)
//   running|blocked ─▶ terminated | cancelled | failed   closed from outside: the workflow's cancellation
//        clean-up, or the sweep (src/activities/lifecycleSweep.ts) once its workflow is closed or gone
//   succeeded, failed, terminated, cancelled: final.
import type { ReconcileStatus } from '../contracts/reconcileContract';

export const RUN_STATUSES = [
  'running',
  'succeeded',
  'failed',
  'blocked',
  'terminated',
  'cancelled',
] as const satisfies readonly ReconcileStatus[];

const CLOSED_FROM_OUTSIDE: readonly ReconcileStatus[] = ['terminated', 'cancelled', 'failed'];

export const RUN_TRANSITIONS: Readonly<Record<ReconcileStatus, readonly ReconcileStatus[]>> = {
  running: ['blocked', 'succeeded', ...CLOSED_FROM_OUTSIDE],
  blocked: ['running', ...CLOSED_FROM_OUTSIDE],
  succeeded: [],
  failed: [],
  terminated: [],
  cancelled: [],
};

/** Run statuses that wait on a live workflow: the sweep settles them when it is gone. */
export const OPEN_RUN_STATUSES: readonly ReconcileStatus[] = RUN_STATUSES.filter((s) => RUN_TRANSITIONS[s].length > 0);

export function canTransitionRun(from: ReconcileStatus, to: ReconcileStatus): boolean {
  return from === to || RUN_TRANSITIONS[from].includes(to);
}

/** Every status a run may be in for `to` to be written (`to` itself included). */
export function runAllowedFrom(to: ReconcileStatus): ReconcileStatus[] {
  return RUN_STATUSES.filter((from) => canTransitionRun(from, to));
}
