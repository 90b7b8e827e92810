// Cluster beside dev server (issue 15, point 7): ack, raw starts, end to end and
// reconciliation on the production-shaped Temporal cluster (dev/cluster: four
// service processes on the machine's PostgreSQL, two Temporal databases of this
// run's own, dropped afterwards) and on a Temporal dev server, in one run. Each
// shape has its own syncline database, API, worker and partner simulator; both
// stay up the whole run and every measurement alternates between them (the
// order flips each time), so the two shapes of one measurement are seconds apart.
// During each span it records the CPU of Temporal's processes (per cluster
// service, or the dev server), syncline's, this process's and PostgreSQL's (by
// database), the machine's, and pg_stat_database of Temporal's and syncline's databases.
//   ack:       webhooks/s (202s) at --concurrency through an API on a task queue no worker polls
//   start:     raw client.workflow.start (the receiver's options, no HTTP): Temporal's ack ceiling
//   e2e:       events/s from POST to the row marked processed
//   reconcile: records/s of an incremental backfill of --records (the workflow; the plain loop
//              without Temporal is timed beside it as the control)
//   npm run bench:cluster -- [--rounds 3] [--ack-events 600] [--starts 300] [--e2e-events 300] [--records 30000]
import { execSync } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import { EventStarter } from '../src/ingest/starter';
import { eventWorkflowId } from '../src/ingest/workflowId';
import { ReconcileService } from '../src/reconcile/reconcileService';
import { ScheduleManager } from '../src/reconcile/schedules';
import type { ReconcileResult } from '../src/contracts/reconcileContract';
import { startPartnerSimulator } from '../dev/simulator';
import { freePort } from '../dev/support/ports';
import { measureE2e, startE2eSystem } from './e2e';
import { CHANGES, plainLoop } from './reconcile';
import { PG_ADMIN_URL, startBenchCluster } from './support/benchCluster';
import { reportRun, type Bench, type Run, type Shape } from './support/clusterReport';
import { PARTNER_API_KEY, startBenchEnv, type BenchEnv } from './support/env';
import { addConnection, makeDeliveries, rawInput } from './support/fixtures';
import { callAll, postAll } from './support/load';
import { LoadMonitor, type MonitorTargets } from './support/loadMonitor';
import { startApiProcess, type Child } from './support/processes';
import { parseFlags, runBench, writeResult } from './support/report';

const IDLE_SPAN_MS = 4_000;

interface Side {
  shape: Shape;
  env: BenchEnv;
  ackApi: Child & { url: string };
  ackConnection: string;
  e2e: Awaited<ReturnType<typeof startE2eSystem>>;
  starter: EventStarter;
  reconcile: ReconcileService;
  /** Temporal's own databases (none for the dev server, whose store is its SQLite file). */
  temporalDbs: string[];
  synclineDb: string;
  stop(): Promise<void>;
}

async function startSide(shape: Shape): Promise<Side> {
  let temporalDbs: string[] = [];
  const env = await startBenchEnv(
    `cl_${shape}`,
    shape === 'cluster'
      ? {
          temporal: async (runDir) => {
            const c = await startBenchCluster(runDir, 'cl');
            temporalDbs = [c.databases.temporal, c.databases.visibility];
            return c;
          },
        }
      : {},
  );
  const stops: Array<() => Promise<void>> = [() => env.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    // Two workers on one machine: the default ops port (9464) would let only the first one start.
    env.childEnv.WORKER_METRICS_PORT = String(await freePort());
    const e2e = await startE2eSystem(env);
    stops.push(() => e2e.stop());
    const ackConnection = await addConnection(env, 'bench-cl-ack');
    // The ack is measured as bench:ack measures it: no worker processes what it starts.
    const ackQueue = `${env.childEnv.TEMPORAL_TASK_QUEUE}-unpolled`;
    const ackApi = await startApiProcess(
      { ...env.childEnv, TEMPORAL_TASK_QUEUE: ackQueue },
      await freePort(),
      env.runDir,
    );
    stops.push(() => ackApi.stop());
    const queue = env.childEnv.TEMPORAL_TASK_QUEUE!;
    return {
      shape,
      env,
      ackApi,
      ackConnection,
      e2e,
      starter: new EventStarter(e2e.client, ackQueue, 4_000),
      reconcile: new ReconcileService(
        e2e.client,
        env.rt.db,
        new ScheduleManager(e2e.client, env.rt.db, env.rt.connections, queue, env.rt.log),
        queue,
      ),
      temporalDbs,
      synclineDb: new URL(env.databaseUrl).pathname.slice(1),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function targets(side: Side, other: Side): MonitorTargets {
  const synclinePids = (s: Side) => [s.ackApi.pid, s.e2e.api.pid, s.e2e.worker.pid, s.e2e.trivialWorker.pid];
  return {
    processes: {
      ...Object.fromEntries(Object.entries(side.env.temporal.pids).map(([name, pid]) => [`temporal ${name}`, [pid]])),
      'syncline api': [side.ackApi.pid, side.e2e.api.pid],
      'syncline worker': [side.e2e.worker.pid, side.e2e.trivialWorker.pid],
      'bench process': [process.pid],
      'other shape (idle)': [...Object.values(other.env.temporal.pids), ...synclinePids(other)],
    },
    pgGroup: (db) =>
      side.temporalDbs.includes(db) ? 'pg: temporal dbs' : db === side.synclineDb ? 'pg: syncline db' : 'pg: other dbs',
    pgDatabases: { temporal: side.temporalDbs, syncline: [side.synclineDb] },
  };
}

runBench(async () => {
  const flags = parseFlags({
    rounds: 3,
    concurrency: 32,
    ackEvents: 600,
    starts: 300,
    e2eEvents: 300,
    records: 30_000,
    pageSize: 500,
    benches: 'ack,start,e2e,reconcile',
    settleMs: 1_000,
    timeoutSec: 600,
  });
  const benches = flags.benches.split(',') as Bench[];
  const context = {
    at: new Date().toISOString(),
    commit: execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(),
    loadAverageBefore: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  console.log(
    `bench:cluster at ${context.at}, commit ${context.commit}, load average ${context.loadAverageBefore.join(' ')}`,
  );
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const monitor = new LoadMonitor(admin);
  const sides: Side[] = [];
  const runs: Run[] = [];
  try {
    sides.push(await startSide('dev'));
    sides.push(await startSide('cluster'));
    const [dev, cluster] = sides as [Side, Side];
    const otherOf = (s: Side) => (s === dev ? cluster : dev);

    const measure = async (bench: Bench, side: Side, round: number) => {
      const env = side.env;
      const url = `${side.ackApi.url}/webhooks/${side.ackConnection}`;
      const span = async <T>(work: () => Promise<T>) => {
        await new Promise((r) => setTimeout(r, flags.settleMs));
        const m = await monitor.start(targets(side, otherOf(side)));
        const result = await work();
        return { result, load: await m.stop() };
      };
      const record = (units: number, seconds: number, load: Run['load'], extra: Run['extra'] = {}) => {
        runs.push({ shape: side.shape, bench, round, units, seconds, load, extra });
        console.log(`round ${round} ${bench} ${side.shape}: ${units} in ${seconds.toFixed(2)} s`);
      };
      if (bench === 'idle') {
        const { load } = await span(() => new Promise((r) => setTimeout(r, IDLE_SPAN_MS)));
        return record(0, load.seconds, load);
      }
      if (bench === 'ack') {
        const deliveries = makeDeliveries(env, url, flags.ackEvents, `ack${round}${side.shape}`);
        const { result: r, load } = await span(() => postAll(url, deliveries, flags.concurrency));
        return record(r.ok, r.durationMs / 1000, load, { latenciesMs: r.latenciesMs, statuses: r.statuses });
      }
      if (bench === 'start') {
        const tag = `raw${round}${side.shape}${Date.now().toString(36)}`;
        const ids = Array.from({ length: flags.starts }, (_, i) => i);
        const { result: r, load } = await span(() =>
          callAll(ids, flags.concurrency, (i) =>
            side.starter.start(
              eventWorkflowId(side.ackConnection, `${tag}_${i}`),
              rawInput(side.ackConnection, i, tag),
            ),
          ),
        );
        return record(r.ok, r.durationMs / 1000, load, { latenciesMs: r.latenciesMs, statuses: r.statuses });
      }
      if (bench === 'e2e') {
        const { result: r, load } = await span(() =>
          measureE2e(
            env,
            side.e2e.api.url,
            side.e2e.client,
            side.e2e.connectionId,
            flags.e2eEvents,
            flags.concurrency,
            flags.timeoutSec * 1000,
            'e2e',
          ),
        );
        return record(r.syncline.processed, r.syncline.seconds, load, { statuses: r.syncline.answers });
      }
      // reconcile: a partner of its own with --records contacts, so every round pages the same log.
      const partner = await startPartnerSimulator({
        apiKey: PARTNER_API_KEY,
        eventIdPrefix: `rec${round}${side.shape}`,
      });
      try {
        for (let i = 0; i < flags.records; i++)
          partner.store.upsert('contact', `c-${i}`, { name: `Contact ${i}`, email: `c${i}@example.test`, n: i });
        const settings = { changes: CHANGES, reconcile: { pageSize: flags.pageSize } };
        const plainConn = await addConnection(env, `bench-cl-plain-${round}`, settings, partner.url);
        const wfConn = await addConnection(env, `bench-cl-rec-${round}`, settings, partner.url);
        const t0 = performance.now();
        const plainSeen = await plainLoop(env, plainConn, flags.pageSize);
        const plainSeconds = (performance.now() - t0) / 1000;
        const { result, load } = await span(async () => {
          const t1 = performance.now();
          const handle = await side.reconcile.runNow(wfConn, 'incremental');
          const r = (await handle.result()) as ReconcileResult;
          return { r, seconds: (performance.now() - t1) / 1000 };
        });
        const rows = await env.rt.db.syncRecord.count({ where: { connectionId: wfConn } });
        return record(result.r.recordsSeen, result.seconds, load, {
          plain: { units: plainSeen, seconds: plainSeconds },
          rows,
          status: result.r.status,
        });
      } finally {
        await partner.close();
      }
    };

    // Warm-up on both: JIT, connection pools and caches, task queues, the first workflow tasks.
    for (const side of sides) {
      const url = `${side.ackApi.url}/webhooks/${side.ackConnection}`;
      await postAll(url, makeDeliveries(side.env, url, 100, `warm${side.shape}`), 8);
      await measureE2e(side.env, side.e2e.api.url, side.e2e.client, side.e2e.connectionId, 50, 8, 120_000, 'e2e');
    }
    for (const side of sides) await measure('idle', side, 0);
    for (let round = 1; round <= flags.rounds; round++)
      for (const [b, bench] of benches.entries()) {
        const order = (round + b) % 2 === 0 ? [dev, cluster] : [cluster, dev];
        for (const side of order) await measure(bench, side, round);
      }

    // Every measurement first (latencies included, for the report), then the tables from them.
    const file = writeResult('cluster', { flags, ...context, temporalDatabases: cluster.temporalDbs, runs });
    const summary = reportRun(runs);
    console.log(summary.text);
    console.log(`\nresults: ${writeResult('cluster-summary', { flags, ...context, runsFile: file, ...summary.data })}`);
  } finally {
    for (const side of sides.reverse()) await side.stop();
    await admin.end();
  }
});
