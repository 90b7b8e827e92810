// Shared by the notifyProduct workflow, its activities, the dispatcher that
// wakes it and the ops CLI. Deterministic and dependency-free: bundled into
// workflows. One notifier workflow per connection, id `notify:<connectionId>`.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const notifierWorkflowId = (connectionId: string): string => `notify:${connectionId}`;

/** "The feed of this connection may have moved": sent at most once per batch window per connection. */
export const WAKE_SIGNAL = 'wake';
/** An operator's "try the product's endpoint again now" (a parked notifier resumes). */
export const RESUME_SIGNAL = 'resume';
export const wakeSignal = defineSignal(WAKE_SIGNAL);
export const resumeSignal = defineSignal(RESUME_SIGNAL);
export const notifierStateQuery = defineQuery<NotifierState>('notifierState');

/** The delivery retry schedule: Temporal retries one batch's activity on it, then the notifier parks. */
export interface NotifyRetry {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}

export interface NotifyInput {
  connectionId: string;
  retry: NotifyRetry;
  /** While parked, one delivery attempt this often (recovery without an operator). */
  parkProbeIntervalMs: number;
  /** Set by continue-as-new: a wake arrived that the previous execution did not serve yet. */
  pending?: boolean;
  /**
   * Started for a connection whose row says `parked` while no notifier ran (its run was terminated or
   * cancelled from outside): it begins parked, probing, instead of spending a retry schedule and alerting again.
   */
  parked?: boolean;
}

export interface NotifierState {
  status: 'active' | 'parked';
  batchesThisExecution: number;
}

/** What one delivery activity did. `more`: the feed holds further changes after the delivered cursor. */
export interface BatchResult {
  delivered: number;
  cursor: string | null;
  more: boolean;
}

/** Batches per execution before continue-as-new (about 4 history events each). */
export const BATCHES_PER_EXECUTION = 500;
