// Types and constants shared by the reconcile workflow, its activities, the
// schedule manager and the service. Deterministic and dependency-free: bundled
// into workflows.

/** One partner object's identity (connectors list them; a full diff's restore step walks them in order). */
export interface ObjectKey {
  objectType: string;
  objectId: string;
}

export type ReconcileMode = 'incremental' | 'full';
/** `terminated` / `cancelled`: closed from outside (the Web UI or CLI); recorded by the workflow's clean-up or the sweep. */
export type ReconcileStatus = 'running' | 'succeeded' | 'failed' | 'blocked' | 'terminated' | 'cancelled';

export interface ReconcileInput {
  connectionId: string;
  mode: ReconcileMode;
  /** Full diff only: delete even above the mass-deletion threshold. */
  confirmDeletes?: boolean;
  /** Set by continue-as-new: the run this execution continues. */
  carry?: ReconcileCarry;
}

export interface ReconcileCarry {
  runId: string;
  /** Full diff: the id-listing cursor reached (incremental keeps its cursor in the database). */
  cursor: string | null;
  /** Full diff: set once the listing is complete and restoring has begun. */
  restore?: RestoreProgress;
}

/** Where a full diff's restoring stands: the last id it went past, and fetches it may still make. */
export interface RestoreProgress {
  after: ObjectKey | null;
  fetchesLeft: number;
  /** Objects skipped as malformed so far in this run. */
  skipped?: number;
}

/** Per-run settings, read from the connection when the run starts. */
export interface RunPlan {
  runId: string;
  pageSize: number;
  /** Minimum time between two partner requests (the connection's request budget); 0 = none. */
  requestSpacingMs: number;
  heartbeatTimeoutMs: number;
  maxPagesPerExecution: number;
  /** Pages one activity call may page through (each page still its own transaction). */
  pagesPerActivity: number;
  retry: { initialIntervalMs: number; backoffCoefficient: number; maximumIntervalMs: number; maximumAttempts: number };
  maxDeleteShare: number;
  guardMinDeletes: number;
  confirmWaitMs: number;
  /** Full diff: fetch objects the partner listed that are missing (or tombstoned) here. Absent in plans of older runs. */
  restoreMissing?: boolean;
  /** Full diff: at most this many such fetches per run. */
  maxRestoresPerRun?: number;
}

export interface RunTotals {
  pages: number;
  recordsSeen: number;
  recordsChanged: number;
  recordsDeleted: number;
}

/** What one page activity call asks for. */
export interface PagesRequest {
  connectionId: string;
  runId: string;
  pageSize: number;
  /** Stop after this many committed pages. */
  maxPages: number;
  /** Minimum time between the starts of two partner requests (the request budget); 0 = none. */
  requestSpacingMs: number;
  /** Full diff only: the run's listing position (incremental reads its checkpoint from the database). */
  cursor?: string | null;
}

/** What one page activity call did: every page it reports is committed, with its checkpoint, in its own transaction. */
export interface PagesResult {
  /** Pages committed by this call. */
  pages: number;
  /** The run's totals after the last committed page; absent when none was committed. */
  totals?: RunTotals;
  /** False once the partner said this was the last page. */
  hasMore: boolean;
  /** Where the next call starts: the checkpoint (incremental) or listing position (full diff). */
  cursor: string | null;
  /** The partner said 429/503 with Retry-After: wait exactly this long (a workflow timer), then ask again. */
  rateLimited?: { retryAfterMs: number; status: number };
}

/** What one restore call asks for: objects listed by this run and missing here, after `after`. */
export interface RestoreRequest {
  connectionId: string;
  runId: string;
  after: ObjectKey | null;
  /** Fetches this call may make (what is left of the run's maxRestoresPerRun). */
  maxFetches: number;
  requestSpacingMs: number;
}

export interface RestoreResult {
  /** Partner fetches made (each counts against the run's cap). */
  fetched: number;
  /** Objects whose local row changed (restored, revived, or brought to a newer version). */
  restored: number;
  /** Objects the partner served malformed (no version or data): alerted as reconcile.restore_skipped, left as they were. */
  skipped: number;
  /** Where the next call starts. */
  after: ObjectKey | null;
  /** No listed-and-missing object is left after `after` (or the cap is spent). */
  done: boolean;
  totals?: RunTotals;
  rateLimited?: { retryAfterMs: number; status: number };
}

export interface DeletePlan {
  live: number;
  candidates: number;
  share: number;
  blocked: boolean;
}

export interface ReconcileResult extends RunTotals {
  runId: string;
  connectionId: string;
  mode: ReconcileMode;
  status: ReconcileStatus;
  durationMs: number;
  checkpoint: string | null;
  deletePlan?: DeletePlan;
}

/** Signal name: an operator's answer to a blocked mass deletion (true = delete, false = keep). */
export const CONFIRM_DELETES_SIGNAL = 'confirmDeletes';

export function reconcileWorkflowId(connectionId: string, mode: ReconcileMode): string {
  return mode === 'full' ? `reconcile-full-${connectionId}` : `reconcile-${connectionId}`;
}
