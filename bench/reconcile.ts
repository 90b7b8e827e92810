// Reconciliation benchmark: records/s for a backfill of N partner records
// through the paged change-list API by the reconcile workflow (incremental
// mode, one activity per page, checkpoint in the page's transaction), against
// a plain loop that lists the same pages with the same connector client and
// bulk-upserts each page with the same statement, without Temporal. Each side
// gets its own connection, so both start from an empty table.
//   npm run bench:reconcile -- [--records 100000] [--page-size 500]
//   npm run bench:reconcile -- --sizes 1000,10000,100000     (scaling)
//   npm run bench:reconcile -- --cpu-prof    (worker CPU profile in the run folder; with BENCH_KEEP=1)
import { systemPartnerClock } from '../src/connectors/observedVersion';
import path from 'node:path';
import { applyStates } from '../src/store/syncRecords';
import { getConnector } from '../src/connectors/connectorRegistry';
import { ScheduleManager } from '../src/reconcile/schedules';
import { ReconcileService } from '../src/reconcile/reconcileService';
import type { ReconcileResult } from '../src/contracts/reconcileContract';
import { Client, Connection } from '@temporalio/client';
import { temporalDataConverter } from '../src/temporal/dataConverter';
import { startBenchEnv, type BenchEnv } from './support/env';
import { addConnection } from './support/fixtures';
import { startWorkerProcess } from './support/processes';
import { growth, parseFlags, round, runBench, table, writeResult } from './support/report';

/** Where a run's time went, from its first execution's history: activity execution vs waiting to start. */
export async function activityTimes(client: Client, workflowId: string, runId: string) {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  const scheduled = new Map<string, number>();
  const started = new Map<string, number>();
  let runMs = 0;
  let waitMs = 0;
  let n = 0;
  for (const e of history.events ?? []) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) scheduled.set(id, ms(e.eventTime));
    if (e.activityTaskStartedEventAttributes) {
      const sid = String(e.activityTaskStartedEventAttributes.scheduledEventId);
      started.set(sid, ms(e.eventTime));
      waitMs += ms(e.eventTime) - (scheduled.get(sid) ?? ms(e.eventTime));
    }
    if (e.activityTaskCompletedEventAttributes) {
      const sid = String(e.activityTaskCompletedEventAttributes.scheduledEventId);
      runMs += ms(e.eventTime) - (started.get(sid) ?? ms(e.eventTime));
      n++;
    }
  }
  return {
    activities: n,
    meanRunMs: round(runMs / Math.max(n, 1)),
    meanScheduleToStartMs: round(waitMs / Math.max(n, 1)),
  };
}

export const CHANGES = { style: 'cursor', urlTemplate: '{baseUrl}/api/changes' };

export async function plainLoop(env: BenchEnv, connectionId: string, pageSize: number): Promise<number> {
  const conn = await env.rt.connections.get(connectionId);
  const client = getConnector(conn.connector).createClient(conn, fetch, systemPartnerClock);
  let cursor: string | null = null;
  let seen = 0;
  for (;;) {
    const page = await client.listChanges!(cursor, pageSize);
    await applyStates(env.rt.db, connectionId, 'plain-loop', page.items);
    seen += page.items.length;
    cursor = page.nextCursor;
    if (!page.hasMore) return seen;
  }
}

if (require.main === module) {
  runBench(async () => {
    const flags = parseFlags({ records: 100_000, sizes: '', pageSize: 500, cpuProf: false });
    const sizes = flags.sizes ? flags.sizes.split(',').map(Number) : [flags.records];
    const env = await startBenchEnv('reconcile');
    const worker = await startWorkerProcess(
      env.childEnv,
      env.runDir,
      undefined,
      flags.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(env.runDir, 'prof')}`] : [],
    );
    const connection = await Connection.connect({ address: env.temporal.address });
    const client = new Client({ connection, dataConverter: temporalDataConverter(env.rt.codec) });
    const queue = env.childEnv.TEMPORAL_TASK_QUEUE ?? 'bench-reconcile';
    const service = new ReconcileService(
      client,
      env.rt.db,
      new ScheduleManager(client, env.rt.db, env.rt.connections, queue, env.rt.log),
      queue,
    );
    const results = [];
    try {
      let made = 0;
      for (const size of sizes) {
        // The partner's change log is shared: each size adds its records; a run pages the whole log.
        for (; made < size; made++)
          env.partner.store.upsert('contact', `c-${made}`, {
            name: `Contact ${made}`,
            email: `c${made}@example.test`,
            n: made,
          });
        const settings = { changes: CHANGES, reconcile: { pageSize: flags.pageSize } };
        const plainConn = await addConnection(env, `bench-plain-${size}`, settings);
        const wfConn = await addConnection(env, `bench-reconcile-${size}`, settings);

        const t0 = performance.now();
        const plainSeen = await plainLoop(env, plainConn, flags.pageSize);
        const plainSec = (performance.now() - t0) / 1000;

        const t1 = performance.now();
        const handle = await service.runNow(wfConn, 'incremental');
        const result = (await handle.result()) as ReconcileResult;
        const wfSec = (performance.now() - t1) / 1000;
        const rows = await env.rt.db.syncRecord.count({ where: { connectionId: wfConn } });
        const times = await activityTimes(client, handle.workflowId, handle.firstExecutionRunId);
        const r = {
          records: size,
          pages: result.pages,
          plain: { perSec: round(plainSeen / plainSec), seconds: round(plainSec, 2), seen: plainSeen },
          workflow: {
            perSec: round(result.recordsSeen / wfSec),
            seconds: round(wfSec, 2),
            seen: result.recordsSeen,
            rows,
            status: result.status,
            firstExecution: times,
          },
        };
        results.push({ ...r, ratio: round(r.workflow.perSec / r.plain.perSec, 2) });
        console.log(`${size} records: workflow ${r.workflow.perSec}/s, plain ${r.plain.perSec}/s`);
      }
      console.log(
        `\nreconciliation backfill (goal: workflow ÷ plain ≥ 0.8; page size ${flags.pageSize})\n${table(
          results.map((r) => ({
            records: r.records,
            pages: r.pages,
            'workflow rec/s': r.workflow.perSec,
            'plain loop rec/s': r.plain.perSec,
            ratio: r.ratio,
            'workflow s': r.workflow.seconds,
            'plain s': r.plain.seconds,
            'rows written': `${r.workflow.rows}/${r.records}`,
            status: r.workflow.status,
            'activity run ms (mean)': r.workflow.firstExecution.meanRunMs,
            'sched→start ms (mean)': r.workflow.firstExecution.meanScheduleToStartMs,
          })),
        )}`,
      );
      const curve =
        sizes.length > 1
          ? {
              workflow: growth(results.map((r) => [r.records, r.workflow.seconds])),
              plain: growth(results.map((r) => [r.records, r.plain.seconds])),
            }
          : undefined;
      if (curve)
        console.log(
          `\ntime ∝ n^b: workflow b=${curve.workflow.exponent} (${curve.workflow.verdict}), plain b=${curve.plain.exponent} (${curve.plain.verdict})`,
        );
      console.log(`\nresults: ${writeResult('reconcile', { flags, results, curve })}`);
    } finally {
      await connection.close();
      await worker.stop();
      await env.stop();
    }
  });
}
