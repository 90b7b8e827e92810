// One Temporal Schedule per connection and reconciliation mode, kept in line
// with the connection's row: created when reconciliation is on, updated when
// its settings change, removed when the connection is disabled or removed or
// reconciliation is turned off. Idempotent: a fingerprint of the wanted
// schedule rides in the action's memo, so an unchanged connection costs one
// describe call and no write. Pause state survives updates.
//
// Jitter: every connection's interval gets a fixed offset derived from a hash
// of its id, so thousands of connections spread evenly over the interval and a
// connection's runs stay evenly spaced (a random per-run jitter would not).
import crypto from 'node:crypto';
import { type Client, ScheduleAlreadyRunning, type ScheduleOptions, ScheduleNotFoundError } from '@temporalio/client';
import type { ConnectionRepository } from '../connections/repository';
import type { Db } from '../db/prisma';
import type { Logger } from '../infra/log';
import type { Workflow } from '@temporalio/common';
import { type ReconcileMode, reconcileWorkflowId } from '../contracts/reconcileContract';
import { pruneEventRows } from '../workflows/pruneEventRows';
import { sweepClosedWorkflows } from '../workflows/sweepClosedWorkflows';
import { reconcileConnection } from '../workflows/reconcileConnection';
import { reconcileHealth } from '../workflows/reconcileHealth';
import { loadTarget } from '../connections/reconcileTarget';
import { findConnectionRow, listConnectionIds } from '../store/connectionRows';

export type ScheduleChange = 'created' | 'updated' | 'unchanged' | 'removed' | 'absent';
export const HEALTH_SCHEDULE_ID = 'reconcile-health';
export const DEFAULT_HEALTH_EVERY_MS = 15 * 60_000;
/** The daily event-row retention run (src/workflows/pruneEventRows.ts); not `reconcile-`, so syncAll never takes it for an orphan. */
export const RETENTION_SCHEDULE_ID = 'events-retention';
export const DEFAULT_RETENTION_EVERY_MS = 24 * 3_600_000;
/** The sweep of rows whose workflow was closed from outside (src/workflows/sweepClosedWorkflows.ts). */
export const SWEEP_SCHEDULE_ID = 'events-sweep';
export const DEFAULT_SWEEP_EVERY_MS = 5 * 60_000;
/**
 * Connections syncAll brings in line at once. Each sync is a few database reads and one or two
 * Temporal round trips per schedule, all waiting on I/O: one at a time, 1,000 connections took
 * minutes; 16 keep the dev server and PostgreSQL busy without flooding either.
 */
export const SYNC_CONCURRENCY = 16;

export const scheduleId = (connectionId: string, mode: ReconcileMode): string =>
  reconcileWorkflowId(connectionId, mode);

const SECOND_MS = 1_000;

/**
 * Deterministic offset in [0, intervalMs) from the connection id, in whole seconds when the
 * interval is a whole number of seconds: the server keeps a spec's milliseconds but starts runs
 * on whole seconds (seen on 1.29.1: offset 7,753,298 ms ran at :13.000), so an offset in seconds
 * is exactly when the runs start.
 */
export function jitterOffsetMs(connectionId: string, intervalMs: number): number {
  const h = crypto.createHash('sha256').update(connectionId).digest();
  const unit = intervalMs % SECOND_MS === 0 ? SECOND_MS : 1;
  return Number(h.readBigUInt64BE(0) % BigInt(intervalMs / unit)) * unit;
}

interface Wanted {
  mode: ReconcileMode;
  intervalMs: number;
  catchupWindowMs: number;
}

export class ScheduleManager {
  constructor(
    private readonly client: Client,
    private readonly db: Db,
    private readonly connections: ConnectionRepository,
    private readonly taskQueue: string,
    private readonly log: Logger,
    private readonly http: typeof fetch = fetch,
  ) {}

  /** Brings both schedules of one connection in line with its row. Call after every create/change. */
  async syncConnection(connectionId: string): Promise<Record<ReconcileMode, ScheduleChange>> {
    this.connections.invalidate(connectionId);
    const wanted = await this.wanted(connectionId);
    const bringInLine = (mode: ReconcileMode): Promise<ScheduleChange> => {
      const w = wanted.find((x) => x.mode === mode);
      return w ? this.apply(connectionId, w) : this.remove(connectionId, mode);
    };
    // The two schedules are independent: brought in line together.
    const [incremental, full] = await Promise.all([bringInLine('incremental'), bringInLine('full')]);
    const result: Record<ReconcileMode, ScheduleChange> = { incremental, full };
    if (Object.values(result).some((r) => r !== 'unchanged' && r !== 'absent')) {
      this.log.info(
        { event: 'reconcile.schedules_synced', connectionId, ...result },
        'reconciliation schedules synced',
      );
    }
    return result;
  }

  /** Every connection, plus removal of schedules whose connection no longer exists. */
  async syncAll(concurrency = SYNC_CONCURRENCY): Promise<Record<string, Record<ReconcileMode, ScheduleChange>>> {
    const ids = await listConnectionIds(this.db);
    const out = await this.syncConnections(ids, concurrency);
    const known = new Set(ids.flatMap((id) => [scheduleId(id, 'incremental'), scheduleId(id, 'full')]));
    for await (const s of this.client.schedule.list()) {
      if (s.scheduleId.startsWith('reconcile-') && s.scheduleId !== HEALTH_SCHEDULE_ID && !known.has(s.scheduleId)) {
        await this.client.schedule.getHandle(s.scheduleId).delete().catch(ignoreNotFound);
        this.log.info(
          { event: 'reconcile.schedule_orphan_removed', scheduleId: s.scheduleId },
          'removed schedule of a removed connection',
        );
      }
    }
    return out;
  }

  /** syncConnection for each id, `concurrency` at a time; the first failure fails the call after the others in flight settle. */
  async syncConnections(
    ids: readonly string[],
    concurrency = SYNC_CONCURRENCY,
  ): Promise<Record<string, Record<ReconcileMode, ScheduleChange>>> {
    const out: Record<string, Record<ReconcileMode, ScheduleChange>> = {};
    let next = 0;
    let failed = false;
    const lane = async (): Promise<void> => {
      while (!failed && next < ids.length) {
        const id = ids[next++] as string;
        try {
          out[id] = await this.syncConnection(id);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, concurrency) }, lane));
    const failure = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failure) throw failure.reason;
    // Same order as `ids`, as the one-at-a-time loop gave.
    return Object.fromEntries(ids.map((id) => [id, out[id] as Record<ReconcileMode, ScheduleChange>]));
  }

  async remove(connectionId: string, mode: ReconcileMode): Promise<'removed' | 'absent'> {
    try {
      await this.client.schedule.getHandle(scheduleId(connectionId, mode)).delete();
      return 'removed';
    } catch (err) {
      ignoreNotFound(err);
      return 'absent';
    }
  }

  /** The scheduled health check (failing runs, stale checkpoints) for all connections. */
  ensureHealthSchedule(everyMs = DEFAULT_HEALTH_EVERY_MS): Promise<ScheduleChange> {
    return this.ensureInterval(HEALTH_SCHEDULE_ID, reconcileHealth, everyMs);
  }

  /**
   * The daily deletion of old finished event rows (EVENT_RETENTION_DAYS, read by the worker that runs it).
   * `scheduleId` lets tests sharing one Temporal server keep their own.
   */
  ensureRetentionSchedule(opts: { everyMs?: number; scheduleId?: string } = {}): Promise<ScheduleChange> {
    return this.ensureInterval(
      opts.scheduleId ?? RETENTION_SCHEDULE_ID,
      pruneEventRows,
      opts.everyMs ?? DEFAULT_RETENTION_EVERY_MS,
    );
  }

  /** The sweep that settles rows whose workflow was closed from outside (terminated, cancelled) or is gone. */
  ensureSweepSchedule(opts: { everyMs?: number; scheduleId?: string } = {}): Promise<ScheduleChange> {
    return this.ensureInterval(
      opts.scheduleId ?? SWEEP_SCHEDULE_ID,
      sweepClosedWorkflows,
      opts.everyMs ?? DEFAULT_SWEEP_EVERY_MS,
    );
  }

  /** The process-wide schedules every deployment needs: the health check, event retention and the sweep. */
  async ensureMaintenanceSchedules(): Promise<{
    health: ScheduleChange;
    retention: ScheduleChange;
    sweep: ScheduleChange;
  }> {
    return {
      health: await this.ensureHealthSchedule(),
      retention: await this.ensureRetentionSchedule(),
      sweep: await this.ensureSweepSchedule(),
    };
  }

  /** A parameterless workflow every `everyMs`, its workflow id the schedule's; a run still going skips the next. */
  private ensureInterval(id: string, workflowType: Workflow, everyMs: number): Promise<ScheduleChange> {
    return this.upsert({
      scheduleId: id,
      spec: { intervals: [{ every: everyMs }] },
      action: { type: 'startWorkflow', workflowType, args: [], taskQueue: this.taskQueue, workflowId: id },
      policies: { overlap: 'SKIP', catchupWindow: everyMs },
    });
  }

  private async wanted(connectionId: string): Promise<Wanted[]> {
    const row = await findConnectionRow(this.db, connectionId);
    if (!row?.enabled) return [];
    const t = await loadTarget(this.db, this.connections, this.http, connectionId);
    if (!t.settings.enabled || !t.canListChanges) return [];
    const out: Wanted[] = [
      { mode: 'incremental', intervalMs: t.settings.intervalMs, catchupWindowMs: t.settings.catchupWindowMs },
    ];
    if (t.settings.fullDiff.enabled && t.canListIds)
      out.push({
        mode: 'full',
        intervalMs: t.settings.fullDiff.intervalMs,
        catchupWindowMs: t.settings.catchupWindowMs,
      });
    return out;
  }

  private apply(connectionId: string, w: Wanted): Promise<ScheduleChange> {
    const id = scheduleId(connectionId, w.mode);
    return this.upsert({
      scheduleId: id,
      spec: { intervals: [{ every: w.intervalMs, offset: jitterOffsetMs(connectionId, w.intervalMs) }] },
      action: {
        type: 'startWorkflow',
        workflowType: reconcileConnection,
        args: [{ connectionId, mode: w.mode }],
        taskQueue: this.taskQueue,
        workflowId: id,
        staticSummary: `${w.mode === 'full' ? 'Full-diff' : 'Incremental'} reconciliation of ${connectionId}`,
      },
      policies: { overlap: 'SKIP', catchupWindow: w.catchupWindowMs },
    });
  }

  private async upsert(opts: ScheduleOptions): Promise<ScheduleChange> {
    // A workflow function is fingerprinted by its name, as its type string was before typed starts.
    const fingerprint = crypto
      .createHash('sha256')
      .update(JSON.stringify(opts, (_k, v: unknown) => (typeof v === 'function' ? (v as Workflow).name : v)))
      .digest('hex')
      .slice(0, 16);
    const action = { ...opts.action, memo: { syncFingerprint: fingerprint } };
    const handle = this.client.schedule.getHandle(opts.scheduleId);
    let current;
    try {
      current = await handle.describe();
    } catch (err) {
      ignoreNotFound(err);
      try {
        await this.client.schedule.create({ ...opts, action, state: { note: 'managed by syncline' } });
      } catch (createErr) {
        // Another process (a second worker starting) created it between our describe and create.
        if (createErr instanceof ScheduleAlreadyRunning) return 'unchanged';
        throw createErr;
      }
      return 'created';
    }
    const currentMemo = current.action.type === 'startWorkflow' ? current.action.memo : undefined;
    if (currentMemo?.syncFingerprint === fingerprint) return 'unchanged';
    await handle.update((prev) => ({
      ...prev,
      spec: opts.spec,
      action,
      policies: { ...prev.policies, ...opts.policies },
    }));
    return 'updated';
  }
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof ScheduleNotFoundError)) throw err;
}
