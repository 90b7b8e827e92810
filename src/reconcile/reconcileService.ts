// Operations on reconciliation, for the ops CLI and the admin API: pause,
// unpause, trigger now, backfill, run history, status, and the operator's
// answer to a blocked mass deletion. Expected failures are named errors
// (NoReconcileScheduleError, NoBlockedRunError) for the API's error map.
import crypto from 'node:crypto';
import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import type { Db } from '../db/prisma';
import {
  CONFIRM_DELETES_SIGNAL,
  type ReconcileInput,
  type ReconcileMode,
  type ReconcileResult,
} from '../contracts/reconcileContract';
import { reconcileConnection } from '../workflows/reconcileConnection';
import { type ScheduleManager, scheduleId } from './schedules';
import { NoBlockedRunError, NoReconcileScheduleError } from '../errors/operatorErrors';
import { findBlockedFullRun, lastRun as readLastRun, listRuns, readCheckpoint } from '../store/reconcileState';

/** How long a pause/unpause may take to show before it is sent again, and how often that is checked. */
const PATCH_CONFIRM_MS = 5_000;
const PATCH_POLL_MS = 100;
const PATCH_ATTEMPTS = 3;

export interface ScheduleStatus {
  paused: boolean;
  note: string | null;
  intervalMs: number | null;
  nextRuns: string[];
  recentRuns: string[];
}

export class ReconcileService {
  constructor(
    private readonly client: Client,
    private readonly db: Db,
    readonly schedules: ScheduleManager,
    private readonly taskQueue: string,
  ) {}

  async pause(connectionId: string, mode: ReconcileMode = 'incremental', note = 'paused by operator'): Promise<void> {
    await this.setPaused(connectionId, mode, true, note);
  }

  async unpause(
    connectionId: string,
    mode: ReconcileMode = 'incremental',
    note = 'unpaused by operator',
  ): Promise<void> {
    await this.setPaused(connectionId, mode, false, note);
  }

  /**
   * Pauses or unpauses, and returns only once the schedule says so. Temporal's
   * scheduler can drop one of two patches that reach it in the same workflow
   * task (seen with server 1.29.1: an unpause followed at once by a backfill
   * left the schedule paused, the backfill applied). Waiting for the state
   * keeps the next operation out of that task, and a dropped patch is re-sent.
   */
  private async setPaused(connectionId: string, mode: ReconcileMode, paused: boolean, note: string): Promise<void> {
    await this.withSchedule(connectionId, mode, async (h) => {
      for (let attempt = 1; attempt <= PATCH_ATTEMPTS; attempt++) {
        await (paused ? h.pause(note) : h.unpause(note));
        const deadline = Date.now() + PATCH_CONFIRM_MS;
        do {
          if ((await h.describe()).state.paused === paused) return;
          await new Promise((r) => setTimeout(r, PATCH_POLL_MS));
        } while (Date.now() < deadline);
      }
      throw new Error(
        `schedule ${scheduleId(connectionId, mode)} did not ${paused ? 'pause' : 'unpause'} after ${PATCH_ATTEMPTS} attempts`,
      );
    });
  }

  /** Runs the schedule's action now (skipped by the overlap policy if a run is in progress). */
  async trigger(connectionId: string, mode: ReconcileMode = 'incremental'): Promise<void> {
    await this.withSchedule(connectionId, mode, (h) => h.trigger());
  }

  /** Takes the actions the schedule would have taken between start and end (after an outage, say). */
  async backfill(
    connectionId: string,
    range: { start: Date; end: Date },
    mode: ReconcileMode = 'incremental',
  ): Promise<void> {
    await this.withSchedule(connectionId, mode, (h) => h.backfill({ start: range.start, end: range.end }));
  }

  /** Starts a run outside the schedule, e.g. a full diff re-run with deletions confirmed up front. */
  async runNow(connectionId: string, mode: ReconcileMode, opts: { confirmDeletes?: boolean; taskQueue?: string } = {}) {
    const input: ReconcileInput = { connectionId, mode, confirmDeletes: opts.confirmDeletes };
    return this.client.workflow.start(reconcileConnection, {
      args: [input],
      taskQueue: opts.taskQueue ?? this.taskQueue,
      workflowId: `${scheduleId(connectionId, mode)}-manual-${crypto.randomUUID()}`,
      staticSummary: `Manual ${mode} reconciliation of ${connectionId}`,
    });
  }

  /** Answers a full diff waiting on the mass-deletion guard: approve deletes, or keep the data. */
  async confirmDeletes(connectionId: string, approve: boolean): Promise<{ workflowId: string; runId: string }> {
    const run = await findBlockedFullRun(this.db, connectionId);
    if (!run) throw new NoBlockedRunError(`connection ${connectionId} has no full diff waiting for confirmation`);
    await this.client.workflow.getHandle(run.workflowId).signal(CONFIRM_DELETES_SIGNAL, approve);
    return { workflowId: run.workflowId, runId: run.id };
  }

  runs(connectionId: string, limit = 20) {
    return listRuns(this.db, connectionId, limit);
  }

  async status(connectionId: string) {
    const [checkpoint, lastRun, incremental, full] = await Promise.all([
      readCheckpoint(this.db, connectionId),
      readLastRun(this.db, connectionId),
      this.scheduleStatus(connectionId, 'incremental'),
      this.scheduleStatus(connectionId, 'full'),
    ]);
    return {
      connectionId,
      checkpoint: checkpoint && {
        cursor: checkpoint.cursor,
        highWaterMark: checkpoint.highWaterMark?.toString() ?? null,
        updatedAt: checkpoint.updatedAt.toISOString(),
      },
      lastRun,
      schedules: { incremental, full },
    };
  }

  /** The result of a finished run started by a schedule or runNow. */
  result(workflowId: string): Promise<ReconcileResult> {
    return this.client.workflow.getHandle<typeof reconcileConnection>(workflowId).result();
  }

  private async scheduleStatus(connectionId: string, mode: ReconcileMode): Promise<ScheduleStatus | null> {
    try {
      const d = await this.client.schedule.getHandle(scheduleId(connectionId, mode)).describe();
      const every = d.spec.intervals?.[0]?.every;
      return {
        paused: d.state.paused,
        note: d.state.note ?? null,
        intervalMs: typeof every === 'number' ? every : null,
        nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
        recentRuns: d.info.recentActions.slice(-5).map((a) => a.action.workflow.workflowId),
      };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return null;
      throw err;
    }
  }

  private async withSchedule(
    connectionId: string,
    mode: ReconcileMode,
    op: (h: ReturnType<Client['schedule']['getHandle']>) => Promise<void>,
  ): Promise<void> {
    try {
      await op(this.client.schedule.getHandle(scheduleId(connectionId, mode)));
    } catch (err) {
      if (err instanceof ScheduleNotFoundError)
        throw new NoReconcileScheduleError(`connection ${connectionId} has no ${mode} reconciliation schedule`);
      throw err;
    }
  }
}
