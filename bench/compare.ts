// Side-by-side end to end: this checkout's code ("new") against an older commit
// ("old", default: where this branch left main), both measured in one run, in
// alternating rounds, on one Temporal dev server and one partner simulator, each
// side with its own PostgreSQL database (migrated and seeded by its own code),
// its own task queue, its own API and worker processes. A third kind of round
// starts zero-activity workflows (start → complete) on the same dev server: the
// floor Temporal alone sets. Reports events/s per side, new ÷ old, each side's
// end to end ÷ zero-activity, and CPU per event by process.
// One end point for every kind: the run completed (visibility count), timed from
// the first send; e2e rounds also say when every row was `processed`.
// Deliveries are sent like a partner sends them (bench/support/partnerSender.ts:
// a 429/503 is retried after its Retry-After). A round that lost a delivery or
// did not finish in time is reported as failed, and a round index counts only
// when all three kinds succeeded in it, so each kind is measured over the same rounds.
//   npm run bench:compare -- [--ref <git-ref>] [--events 1000] [--rounds 3] [--concurrency 32]
//     [--max-attempts 10] [--max-retry-after-sec 5] [--cpu-prof]  (profiles: BENCH_KEEP=1, .data/bench/compare-*/<side>/prof)
//     [--temporal-args '--dynamic-config-value k=v ...']  (more dev-server arguments, for trying its settings)
//     [--cluster]  (the same comparison on a Temporal cluster, bench/support/benchCluster.ts, instead of the dev server)
// The old side's checkout: bench/support/checkout.ts. Maintenance schedules are off on
// both sides (no sweep run lands in a round).
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { openRunDatabase } from '../src/db/bootstrap';
import { createLogger } from '../src/infra/log';
import { freePort } from '../dev/support/ports';
import { bundleWorkflows, DEV_SERVER, PARTNER_API_KEY, ROOT, startBenchEnv, type BenchEnv } from './support/env';
import { defaultBaseRef, prepareCheckout } from './support/checkout';
import { makeDeliveries, SECRET, SIGNATURE } from './support/fixtures';
import { callAll } from './support/load';
import { DEFAULT_SEND_OPTIONS, sendAll, type SendOptions, type SendResult } from './support/partnerSender';
import { startBenchCluster } from './support/benchCluster';
import { CpuMeter, type CpuReading } from './support/cpuMeter';
import { WORKFLOW_PRELOAD_MODULES } from '../src/worker/workflowBundle';
import { type Child, rssMb, startApiProcess, startWorkerProcess } from './support/processes';
import { median, parseFlags, round, runBench, table, writeResult } from './support/report';

const POLL_MS = 200;
const CONNECTION_ID = 'bench-compare';

const KINDS = ['old', 'new', 'zero'] as const;
type Kind = (typeof KINDS)[number];

interface Side {
  name: 'old' | 'new';
  root: string;
  taskQueue: string;
  pool: pg.Pool;
  api: Child & { url: string };
  worker: Child;
  stopDb(): Promise<void>;
}

interface Round {
  kind: Kind;
  round: number;
  events: number;
  delivered: number;
  lost: number;
  retries: number;
  statuses: Record<string, number>;
  sendSeconds: number;
  /** Runs completed, and the seconds from the first send until the last one did. */
  completed: number;
  seconds: number;
  perSec: number;
  /** e2e only: rows `processed`, and when the last one was. */
  processed?: number;
  processedSeconds?: number;
  cpuMs: CpuReading;
  /** Why this round does not count. */
  failed?: string;
}

/** Seeds the bench connection through the side's own code (its schema, its secret box). */
function seed(root: string, env: Record<string, string>, runDir: string, partnerUrl: string): void {
  const file = path.join(runDir, `seed-${path.basename(root)}.ts`);
  const src = (m: string) => JSON.stringify(path.join(root, 'src', m));
  fs.writeFileSync(
    file,
    `import { parseEnv } from ${src('config')};
import { createLogger } from ${src('infra/log')};
import { openRuntime } from ${src('system/runtime')};
async function main(): Promise<void> {
  const rt = await openRuntime(parseEnv(), createLogger('warn', 'bench-seed'));
  await rt.connections.upsert(JSON.parse(process.env.BENCH_CONNECTION as string));
  await rt.close();
}
main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
`,
  );
  const connection = {
    id: CONNECTION_ID,
    connector: 'rest',
    enabled: true,
    apiBaseUrl: partnerUrl,
    signingSecrets: [SECRET],
    credentials: { apiKey: PARTNER_API_KEY },
    settings: { signature: SIGNATURE },
  };
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, ...env, BENCH_CONNECTION: JSON.stringify(connection) },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`seeding ${root} failed: ${r.stderr}`);
}

async function startSide(
  name: Side['name'],
  root: string,
  env: BenchEnv,
  label: string,
  prebundle: boolean,
  cpuProf: boolean,
): Promise<Side> {
  const runDir = path.join(env.runDir, name);
  fs.mkdirSync(runDir, { recursive: true });
  const db = await openRunDatabase({
    name: `syncline_bench_${label}_${name}`,
    serverUrl: process.env.BENCH_DATABASE_URL,
    embeddedDir: path.join(runDir, 'pg-parent'),
    embeddedPort: await freePort(),
    log: createLogger('warn', 'bench'),
  });
  const { WORKFLOW_BUNDLE_PATH: _ours, ...shared } = env.childEnv;
  const taskQueue = `bench-compare-${name}`;
  const childEnv: Record<string, string> = {
    ...shared,
    DATABASE_URL: db.url,
    DATA_DIR: runDir,
    TEMPORAL_TASK_QUEUE: taskQueue,
    WORKER_MAINTENANCE_SCHEDULES: 'false',
    // Two workers on one machine: the default ops port (9464) would let only the first one start.
    WORKER_METRICS_PORT: String(await freePort()),
  };
  // Our bundler for a side with other packages could mix versions: such a side's worker bundles for itself.
  // This checkout's side is bundled as its worker bundles (with its preloaded modules); the old side without.
  if (prebundle)
    childEnv.WORKFLOW_BUNDLE_PATH = await bundleWorkflows(
      path.join(root, 'src/workflows/index.ts'),
      path.join(runDir, 'workflow-bundle.js'),
      root === ROOT ? WORKFLOW_PRELOAD_MODULES : [],
    );
  seed(root, childEnv, runDir, env.partner.url);
  const profDir = path.join(runDir, 'prof');
  const nodeArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const api = await startApiProcess(childEnv, await freePort(), runDir, nodeArgs, root);
  const worker = await startWorkerProcess(childEnv, runDir, 'src/worker/main.ts', nodeArgs, root);
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  return {
    name,
    root,
    taskQueue,
    pool,
    api,
    worker,
    async stopDb() {
      await pool.end();
      const admin = new URL(db.url);
      const dbName = admin.pathname.slice(1);
      admin.pathname = '/postgres';
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
      await c.end();
      await db.stopServer();
    },
  };
}

/** Polls each counter until it reaches its target or the deadline; the seconds from t0 at which each got there. */
async function waitAll(
  counters: Record<string, () => Promise<number>>,
  target: number,
  t0: number,
  timeoutMs: number,
): Promise<Record<string, { count: number; seconds: number }>> {
  const out: Record<string, { count: number; seconds: number }> = {};
  const open = new Set(Object.keys(counters));
  for (;;) {
    for (const name of [...open]) {
      const count = await (counters[name] as () => Promise<number>)();
      out[name] = { count, seconds: (performance.now() - t0) / 1000 };
      if (count >= target) open.delete(name);
    }
    if (open.size === 0 || performance.now() - t0 > timeoutMs) return out;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A round's verdict: it counts only when every delivery got a 2xx and every event reached the end point. */
function verdict(n: number, lost: number, reached: Record<string, { count: number }>): string | undefined {
  if (lost > 0) return `${lost} deliveries lost (no 2xx after the retries)`;
  const short = Object.entries(reached).filter(([, v]) => v.count < n);
  return short.length === 0 ? undefined : short.map(([k, v]) => `${k} ${v.count}/${n} at the timeout`).join(', ');
}

async function e2eRound(
  env: BenchEnv,
  side: Side,
  client: Client,
  n: number,
  concurrency: number,
  timeoutMs: number,
  r: number,
  send: SendOptions,
) {
  const tag = `${side.name}${r}x${Date.now().toString(36)}`;
  const url = `${side.api.url}/webhooks/${CONNECTION_ID}`;
  const deliveries = makeDeliveries(env, url, n, tag);
  const t0 = performance.now();
  const sent = await sendAll(url, deliveries, concurrency, send);
  const reached = await waitAll(
    {
      processed: async () =>
        Number(
          (
            await side.pool.query<{ n: string }>(
              `SELECT count(*) AS n FROM webhook_events WHERE connection_id = $1 AND status = 'processed' AND event_id LIKE $2`,
              [CONNECTION_ID, `evt_${tag}%`],
            )
          ).rows[0]?.n ?? 0,
        ),
      // The run's end, as for zero-activity: the row is processed one workflow task (or more) before it.
      completed: async () =>
        (
          await client.workflow.count(
            `TaskQueue = '${side.taskQueue}' AND ExecutionStatus = 'Completed' AND WorkflowId STARTS_WITH 'event:${CONNECTION_ID}:evt_${tag}'`,
          )
        ).count,
    },
    sent.delivered,
    t0,
    timeoutMs,
  );
  return {
    sent,
    reached,
    failed: verdict(n, sent.lost, reached),
  };
}

async function zeroRound(client: Client, n: number, concurrency: number, timeoutMs: number, r: number) {
  const tag = `zero${r}x${Date.now().toString(36)}`;
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
  const t0 = performance.now();
  const started = await callAll(ids, concurrency, (id) =>
    client.workflow.start('zeroActivity', { taskQueue: 'bench-trivial', workflowId: id, args: [] }),
  );
  const reached = await waitAll(
    {
      completed: async () =>
        (
          await client.workflow.count(
            `WorkflowType = 'zeroActivity' AND ExecutionStatus = 'Completed' AND WorkflowId STARTS_WITH '${tag}-'`,
          )
        ).count,
    },
    started.ok,
    t0,
    timeoutMs,
  );
  const lost = n - started.ok;
  const sent: SendResult = {
    deliveries: n,
    delivered: started.ok,
    lost,
    retries: 0,
    statuses: started.statuses,
    durationMs: started.durationMs,
  };
  return { sent, reached, failed: verdict(n, lost, reached) };
}

runBench(async () => {
  const flags = parseFlags({
    ref: '',
    // A round costs a fixed ~4 s (first and last deliveries' latency, the completion poll) plus events ÷ rate:
    // at 300 events that fixed part was most of a fast kind's round and hid its rate (BENCHMARKS.md).
    events: 1000,
    rounds: 3,
    concurrency: 32,
    warmup: 50,
    timeoutSec: 600,
    maxAttempts: DEFAULT_SEND_OPTIONS.maxAttempts,
    maxRetryAfterSec: DEFAULT_SEND_OPTIONS.maxRetryAfterMs / 1000,
    cpuProf: false,
    temporalArgs: '',
    cluster: false,
  });
  const send: SendOptions = { maxAttempts: flags.maxAttempts, maxRetryAfterMs: flags.maxRetryAfterSec * 1000 };
  const ref = flags.ref || defaultBaseRef();
  const checkout = prepareCheckout(ref);
  console.log(`old: ${ref} = ${checkout.sha.slice(0, 12)} (node_modules: ${checkout.modules}); new: ${ROOT}`);
  console.log(
    `load average before: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const temporalArgs = flags.temporalArgs.split(' ').filter(Boolean);
  if (flags.cluster && temporalArgs.length > 0)
    throw new Error('--temporal-args are dev-server arguments: not with --cluster');
  const env = await startBenchEnv('compare', {
    bundle: false,
    temporalArgs,
    ...(flags.cluster ? { temporal: (dir: string) => startBenchCluster(dir, 'compare') } : {}),
  });
  console.log(
    `temporal: ${flags.cluster ? 'cluster (frontend, history, matching, worker on PostgreSQL)' : 'dev server'}`,
  );
  const label = `compare_${Date.now()}`;
  const sides: Side[] = [];
  const children: Child[] = [];
  let connection: Connection | undefined;
  try {
    sides.push(await startSide('old', checkout.root, env, label, checkout.sameLock, flags.cpuProf));
    sides.push(await startSide('new', ROOT, env, label, true, flags.cpuProf));
    const trivialBundle = await bundleWorkflows(
      path.join(__dirname, 'support/trivialWorkflows.ts'),
      path.join(env.runDir, 'trivial-bundle.js'),
    );
    children.push(
      await startWorkerProcess(
        { ...env.childEnv, TEMPORAL_TASK_QUEUE: 'bench-trivial', TRIVIAL_BUNDLE_PATH: trivialBundle },
        env.runDir,
        'bench/support/trivialWorker.ts',
      ),
    );
    connection = await Connection.connect({ address: env.temporal.address });
    const client = new Client({ connection });
    const timeoutMs = flags.timeoutSec * 1000;
    const [oldSide, newSide] = sides as [Side, Side];
    const kinds = { old: oldSide, new: newSide };
    const meter = new CpuMeter({
      // The dev server is one process; a cluster's four services are counted one by one.
      ...Object.fromEntries(
        Object.entries(env.temporal.pids).map(([name, pid]) => [
          name === DEV_SERVER ? 'temporal' : `temporal ${name}`,
          pid,
        ]),
      ),
      'old api': oldSide.api.pid,
      'old worker': oldSide.worker.pid,
      'new api': newSide.api.pid,
      'new worker': newSide.worker.pid,
      'trivial worker': (children[0] as Child).pid,
    });

    // Warm-up: JIT, connection pools, the dev server's first tasks of each queue.
    for (const side of sides) {
      const w = await e2eRound(env, side, client, flags.warmup, 8, timeoutMs, 0, send);
      if (w.failed) throw new Error(`${side.name} warm-up failed: ${w.failed}`);
    }
    await zeroRound(client, flags.warmup, 8, timeoutMs, 0);

    const rounds: Round[] = [];
    const orders: Kind[][] = [
      ['old', 'new', 'zero'],
      ['new', 'zero', 'old'],
      ['zero', 'old', 'new'],
    ];
    for (let r = 1; r <= flags.rounds; r++) {
      for (const kind of orders[(r - 1) % orders.length] as Kind[]) {
        const before = meter.read();
        const m =
          kind === 'zero'
            ? await zeroRound(client, flags.events, flags.concurrency, timeoutMs, r)
            : await e2eRound(env, kinds[kind], client, flags.events, flags.concurrency, timeoutMs, r, send);
        const cpu = CpuMeter.delta(before, meter.read());
        const completed = m.reached.completed as { count: number; seconds: number };
        const processed = m.reached.processed;
        const row: Round = {
          kind,
          round: r,
          events: flags.events,
          delivered: m.sent.delivered,
          lost: m.sent.lost,
          retries: m.sent.retries,
          statuses: m.sent.statuses,
          sendSeconds: round(m.sent.durationMs / 1000, 2),
          completed: completed.count,
          seconds: round(completed.seconds, 2),
          perSec: round(completed.count / completed.seconds),
          ...(processed ? { processed: processed.count, processedSeconds: round(processed.seconds, 2) } : {}),
          cpuMs: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v)])),
          ...(m.failed ? { failed: m.failed } : {}),
        };
        rounds.push(row);
        console.log(
          `round ${r} ${kind}: ${row.completed}/${row.events} completed in ${row.seconds} s = ${row.perSec}/s` +
            (processed ? ` (processed ${processed.count} in ${row.processedSeconds} s)` : '') +
            `; ${row.retries} retries, answers ${JSON.stringify(row.statuses)}` +
            (row.failed ? `; FAILED: ${row.failed}` : ''),
        );
      }
    }
    const report = summarise(rounds, flags.rounds, flags.events);
    const memory = Object.fromEntries(
      sides.flatMap((s) => [
        [`${s.name} api MB`, round(rssMb(s.api.pid))],
        [`${s.name} worker MB`, round(rssMb(s.worker.pid))],
      ]),
    );
    console.log(
      `\nend to end (to the run's completion), ${flags.rounds} alternating rounds of ${flags.events} ` +
        `(old = ${ref} ${checkout.sha.slice(0, 12)}); counted: rounds ${report.valid.join(', ') || 'none'}` +
        (report.failed.length ? `; failed rounds (not counted): ${report.failed.join(', ')}` : '') +
        `\n${table(report.kinds)}\n${table([report.summary])}\nper-round new ÷ old: ${report.perRound.join(' ')}` +
        `\n\nCPU ms per event by component (counted rounds)\n${table(report.cpu)}`,
    );
    console.log(
      `load average after: ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `\nresults: ${writeResult('compare', { flags, ref, sha: checkout.sha, rounds, ...report, memory, runDir: env.runDir })}`,
    );
    if (report.valid.length === 0) throw new Error('no round without lost deliveries or unfinished events: no ratio');
  } finally {
    await connection?.close();
    for (const c of children) await c.stop();
    for (const s of sides) {
      await s.api.stop();
      await s.worker.stop();
      await s.stopDb();
    }
    await env.stop();
  }
});

/**
 * Totals over the counted rounds only: a round index counts when all three kinds succeeded in it,
 * so every kind is measured over the same rounds and a failed round cannot inflate a ratio.
 */
function summarise(rounds: Round[], roundCount: number, events: number) {
  const all = Array.from({ length: roundCount }, (_, i) => i + 1);
  const valid = all.filter((r) => rounds.filter((x) => x.round === r && !x.failed).length === KINDS.length);
  const failed = all.filter((r) => !valid.includes(r));
  const counted = (kind: Kind) => rounds.filter((x) => x.kind === kind && valid.includes(x.round));
  const rate = (kind: Kind) => {
    const rs = counted(kind);
    return round(rs.reduce((s, x) => s + x.completed, 0) / rs.reduce((s, x) => s + x.seconds, 0), 1);
  };
  const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? round(a / b, 2) : 'n/a');
  const perRound = valid.map((r) => {
    const x = rounds.find((q) => q.kind === 'new' && q.round === r) as Round;
    const y = rounds.find((q) => q.kind === 'old' && q.round === r) as Round;
    return round(x.perSec / y.perSec, 2);
  });
  const kinds = KINDS.map((k) => {
    const rs = counted(k);
    const processed = rs.filter((x) => x.processedSeconds !== undefined);
    return {
      kind: k === 'zero' ? 'zero-activity wf' : `${k} e2e`,
      'events/s': rs.length ? rate(k) : 'n/a',
      'per round': rounds
        .filter((x) => x.kind === k)
        .map((x) => (x.failed ? `(${x.perSec} failed)` : x.perSec))
        .join(' '),
      'to processed, events/s': processed.length
        ? round(
            processed.reduce((s, x) => s + (x.processed ?? 0), 0) /
              processed.reduce((s, x) => s + (x.processedSeconds ?? 0), 0),
            1,
          )
        : '-',
      retries: rounds.filter((x) => x.kind === k).reduce((s, x) => s + x.retries, 0),
      done: `${rs.reduce((s, x) => s + x.completed, 0)}/${events * rs.length}`,
    };
  });
  const summary = {
    'new ÷ old': ratio(rate('new'), rate('old')),
    'new ÷ old, median round': perRound.length ? median(perRound) : 'n/a',
    'new ÷ zero-activity': ratio(rate('new'), rate('zero')),
    'old ÷ zero-activity': ratio(rate('old'), rate('zero')),
  };
  const components = [...new Set(rounds.flatMap((x) => Object.keys(x.cpuMs)))];
  const cpu = components.map((c) => ({
    component: c,
    ...Object.fromEntries(
      KINDS.map((k) => {
        const rs = counted(k);
        const ms = rs.reduce((s, x) => s + (x.cpuMs[c] ?? 0), 0) / rs.reduce((s, x) => s + x.completed, 0);
        return [k, Number.isFinite(ms) ? round(ms, 2) : 'n/a'];
      }),
    ),
  }));
  return { valid, failed, kinds, summary, perRound, cpu };
}
