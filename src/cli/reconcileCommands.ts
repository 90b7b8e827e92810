// `reconcile ...`: reconciliation schedules and runs of a connection. Talks to
// Temporal (schedules, signals) and the database (runs, checkpoints); a
// blocked full diff is answered with `reconcile confirm-deletes`.
import { Client, Connection } from '@temporalio/client';
import { type ReconcileService, reconcileServiceFor } from '../reconcile';
import type { ReconcileMode } from '../contracts/reconcileContract';
import { temporalDataConverter } from '../temporal/dataConverter';
import { connectionOptions, targetFromEnv } from '../temporal/connection';
import { intOption, requiredOption, stringOption } from './args';
import type { Command, Context, Output } from './command';
import { keyValues, table } from './format';
import { NoBlockedRunError, NoReconcileScheduleError } from '../errors/operatorErrors';
import { NotFoundError, UsageError } from '../errors/cliErrors';

const MODE_OPTION = { mode: { type: 'string' as const, short: 'm' } };

function modeOf(command: Command, values: Record<string, unknown>): ReconcileMode {
  const m = values.mode ?? 'incremental';
  if (m !== 'incremental' && m !== 'full')
    throw new UsageError('--mode must be incremental or full', `syncline ${command.name} ${command.args}`);
  return m;
}

/** Opens the runtime and a Temporal client, runs `fn` with a service, closes the client. */
async function withService<T>(ctx: Context, fn: (s: ReconcileService) => Promise<T>): Promise<T> {
  const rt = await ctx.runtime();
  const target = targetFromEnv(ctx.env, `127.0.0.1:${ctx.env.TEMPORAL_DEV_PORT}`);
  const connection = await Connection.connect(connectionOptions(target));
  try {
    const client = new Client({
      connection,
      namespace: target.namespace,
      dataConverter: temporalDataConverter(rt.codec),
    });
    return await fn(reconcileServiceFor(client, { ...rt, log: ctx.log }));
  } catch (err) {
    if (err instanceof NoReconcileScheduleError || err instanceof NoBlockedRunError)
      throw new NotFoundError(err.message);
    throw err;
  } finally {
    await connection.close();
  }
}

/**
 * After a connection changed: bring its reconciliation schedules in line
 * (create, update or remove). Best effort: the connection change is already
 * saved, so a Temporal outage only means "run `reconcile sync` later".
 */
export async function syncSchedulesAfterChange(ctx: Context, ids: string[]): Promise<string> {
  if (ids.length === 0) return '';
  try {
    await withService(ctx, async (s) => {
      for (const id of ids) await s.schedules.syncConnection(id);
    });
    return `reconciliation schedules synced for ${ids.length} connection(s)`;
  } catch (err) {
    return `warning: reconciliation schedules not synced (${(err as Error).message}); run "syncline reconcile sync" when Temporal is reachable`;
  }
}

function scheduleOp(
  name: string,
  summary: string,
  op: (s: ReconcileService, id: string, mode: ReconcileMode, note?: string) => Promise<void>,
): Command {
  const command: Command = {
    name: `reconcile ${name}`,
    args: '<connectionId> [--mode incremental|full]',
    summary,
    positionals: ['connectionId'],
    options: { ...MODE_OPTION, note: { type: 'string' } },
    async run(ctx, args): Promise<Output> {
      const id = args.positionals[0] ?? '';
      const mode = modeOf(command, args.values);
      await withService(ctx, (s) => op(s, id, mode, stringOption(command, args, 'note')));
      return { data: { connectionId: id, mode, done: name }, text: `${name}: ${mode} reconciliation of ${id}` };
    },
  };
  return command;
}

const status: Command = {
  name: 'reconcile status',
  args: '<connectionId>',
  summary: 'checkpoint, last run and both schedules of a connection',
  positionals: ['connectionId'],
  async run(ctx, args) {
    const st = await withService(ctx, (s) => s.status(args.positionals[0] ?? ''));
    const sched = (x: typeof st.schedules.incremental) =>
      x ? `${x.paused ? 'paused' : 'active'}, every ${x.intervalMs} ms, next ${x.nextRuns[0] ?? '-'}` : 'none';
    const text = keyValues([
      ['connection', st.connectionId],
      [
        'checkpoint',
        st.checkpoint ? `hwm ${st.checkpoint.highWaterMark ?? '-'} at ${st.checkpoint.updatedAt}` : 'none',
      ],
      [
        'last run',
        st.lastRun
          ? `${st.lastRun.mode} ${st.lastRun.status} ${st.lastRun.startedAt.toISOString()} (${st.lastRun.workflowId})`
          : 'none',
      ],
      ['incremental', sched(st.schedules.incremental)],
      ['full diff', sched(st.schedules.full)],
    ]);
    return { data: st, text };
  },
};

const runs: Command = {
  name: 'reconcile runs',
  args: '<connectionId> [--limit <n>]',
  summary: 'recent runs: pages, records seen / changed (missed by webhooks) / deleted, duration',
  positionals: ['connectionId'],
  options: { limit: { type: 'string', short: 'n' } },
  async run(ctx, args) {
    const limit = intOption(runs, args, 'limit', { fallback: 20, min: 1, max: 1_000 });
    const rows = await withService(ctx, (s) => s.runs(args.positionals[0] ?? '', limit));
    const text = table(
      ['STARTED', 'MODE', 'STATUS', 'PAGES', 'SEEN', 'CHANGED', 'DELETED', 'MS', 'ERROR'],
      rows.map((r) => [
        r.startedAt,
        r.mode,
        r.status,
        r.pages,
        r.recordsSeen,
        r.recordsChanged,
        r.recordsDeleted,
        r.durationMs,
        r.error,
      ]),
    );
    return { data: rows, text };
  },
};

const backfill: Command = {
  name: 'reconcile backfill',
  args: '<connectionId> --from <iso> --to <iso> [--mode incremental|full]',
  summary: 'take the scheduled runs missed between two times',
  positionals: ['connectionId'],
  options: { ...MODE_OPTION, from: { type: 'string' }, to: { type: 'string' } },
  async run(ctx, args) {
    const [start, end] = ['from', 'to'].map((k) => new Date(requiredOption(backfill, args, k)));
    if (Number.isNaN(start!.getTime()) || Number.isNaN(end!.getTime()) || start! >= end!)
      throw new UsageError('--from and --to must be ISO times, from before to');
    const id = args.positionals[0] ?? '';
    await withService(ctx, (s) => s.backfill(id, { start: start!, end: end! }, modeOf(backfill, args.values)));
    return { data: { connectionId: id, from: start, to: end }, text: `backfill requested for ${id}` };
  },
};

const confirm: Command = {
  name: 'reconcile confirm-deletes',
  args: '<connectionId> [--reject]',
  summary: 'answer a full diff blocked by the mass-deletion guard (delete, or --reject to keep the data)',
  positionals: ['connectionId'],
  options: { reject: { type: 'boolean' } },
  async run(ctx, args) {
    const approve = args.values.reject !== true;
    const r = await withService(ctx, (s) => s.confirmDeletes(args.positionals[0] ?? '', approve));
    return {
      data: { ...r, approve },
      text: `${approve ? 'deletion confirmed' : 'deletion rejected'} for run ${r.runId} (${r.workflowId})`,
    };
  },
};

const sync: Command = {
  name: 'reconcile sync',
  args: '[--connection <id>]',
  summary:
    'create, update or remove reconciliation schedules to match the connections (and the health check, event retention and sweep schedules)',
  options: { connection: { type: 'string', short: 'c' } },
  async run(ctx, args) {
    const id = stringOption(sync, args, 'connection');
    const result = await withService(ctx, async (s) => {
      const maintenance = await s.schedules.ensureMaintenanceSchedules();
      return {
        ...maintenance,
        connections: id ? { [id]: await s.schedules.syncConnection(id) } : await s.schedules.syncAll(),
      };
    });
    const text = table(
      ['CONNECTION', 'INCREMENTAL', 'FULL'],
      Object.entries(result.connections).map(([c, r]) => [c, r.incremental, r.full]),
    );
    return {
      data: result,
      text: `${text}\nhealth check schedule: ${result.health}\nevent retention schedule: ${result.retention}\nsweep schedule: ${result.sweep}`,
    };
  },
};

export const reconcileCommands: Command[] = [
  status,
  runs,
  scheduleOp('pause', 'pause the schedule (runs in progress finish)', (s, id, mode, note) => s.pause(id, mode, note)),
  scheduleOp('unpause', 'resume the schedule', (s, id, mode, note) => s.unpause(id, mode, note)),
  scheduleOp('trigger', 'run now (skipped if a run is in progress)', (s, id, mode) => s.trigger(id, mode)),
  backfill,
  confirm,
  sync,
];
