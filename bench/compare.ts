// Side-by-side end to end: this checkout's code ("new") against an older commit
// ("old", default: where this branch left main), both measured in one run, in
// alternating rounds, on one Temporal dev server and one partner simulator, each
// side with its own PostgreSQL database (migrated and seeded by its own code),
// its own task queue, its own API and worker processes. A third kind of round
// starts zero-activity workflows (start → complete) on the same dev server: the
// floor Temporal alone sets. Reports events/s per side, new ÷ old, and each
// side's end to end ÷ zero-activity. Every round waits until all its events are
// processed (rows in the side's database) or its workflows completed.
//   npm run bench:compare -- [--ref <git-ref>] [--events 300] [--rounds 3] [--concurrency 32]
// The old side's checkout: bench/support/checkout.ts. Maintenance schedules are off on
// both sides (no sweep run lands in a round).
import path from 'node:path';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { openRunDatabase } from '../src/db/bootstrap';
import { createLogger } from '../src/infra/log';
import { freePort } from '../dev/support/ports';
import { bundleWorkflows, PARTNER_API_KEY, ROOT, startBenchEnv, type BenchEnv } from './support/env';
import { defaultBaseRef, prepareCheckout } from './support/checkout';
import { makeDeliveries, SECRET, SIGNATURE } from './support/fixtures';
import { callAll, postAll } from './support/load';
import { type Child, rssMb, startApiProcess, startWorkerProcess } from './support/processes';
import { median, parseFlags, round, runBench, table, writeResult } from './support/report';

const POLL_MS = 200;
const CONNECTION_ID = 'bench-compare';

interface Side {
  name: 'old' | 'new';
  root: string;
  pool: pg.Pool;
  api: Child & { url: string };
  worker: Child;
  stopDb(): Promise<void>;
}

interface Round {
  kind: 'old' | 'new' | 'zero';
  round: number;
  events: number;
  done: number;
  seconds: number;
  perSec: number;
}

async function waitCount(count: () => Promise<number>, target: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await count();
    if (n >= target || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
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
  const childEnv: Record<string, string> = {
    ...shared,
    DATABASE_URL: db.url,
    DATA_DIR: runDir,
    TEMPORAL_TASK_QUEUE: `bench-compare-${name}`,
    WORKER_MAINTENANCE_SCHEDULES: 'false',
    // Two workers on one machine: the default ops port (9464) would let only the first one start.
    WORKER_METRICS_PORT: String(await freePort()),
  };
  // Our bundler for a side with other packages could mix versions: such a side's worker bundles for itself.
  if (prebundle)
    childEnv.WORKFLOW_BUNDLE_PATH = await bundleWorkflows(
      path.join(root, 'src/workflows/index.ts'),
      path.join(runDir, 'workflow-bundle.js'),
    );
  seed(root, childEnv, runDir, env.partner.url);
  const api = await startApiProcess(childEnv, await freePort(), runDir, [], root);
  const worker = await startWorkerProcess(childEnv, runDir, 'src/worker/main.ts', [], root);
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  return {
    name,
    root,
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

async function e2eRound(env: BenchEnv, side: Side, n: number, concurrency: number, timeoutMs: number, r: number) {
  const tag = `${side.name}${r}x${Date.now().toString(36)}`;
  const url = `${side.api.url}/webhooks/${CONNECTION_ID}`;
  const deliveries = makeDeliveries(env, url, n, tag);
  const count = async () =>
    Number(
      (
        await side.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM webhook_events WHERE connection_id = $1 AND status = 'processed' AND event_id LIKE $2`,
          [CONNECTION_ID, `evt_${tag}%`],
        )
      ).rows[0]?.n ?? 0,
    );
  const t0 = performance.now();
  const sent = await postAll(url, deliveries, concurrency);
  const done = await waitCount(count, n, timeoutMs);
  const seconds = (performance.now() - t0) / 1000;
  return { done, seconds, accepted: sent.ok };
}

async function zeroRound(client: Client, n: number, concurrency: number, timeoutMs: number, r: number) {
  const tag = `zero${r}x${Date.now().toString(36)}`;
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
  const t0 = performance.now();
  await callAll(ids, concurrency, (id) =>
    client.workflow.start('zeroActivity', { taskQueue: 'bench-trivial', workflowId: id, args: [] }),
  );
  const done = await waitCount(
    async () =>
      (
        await client.workflow.count(
          `WorkflowType = 'zeroActivity' AND ExecutionStatus = 'Completed' AND WorkflowId STARTS_WITH '${tag}-'`,
        )
      ).count,
    n,
    timeoutMs,
  );
  return { done, seconds: (performance.now() - t0) / 1000 };
}

runBench(async () => {
  const flags = parseFlags({ ref: '', events: 300, rounds: 3, concurrency: 32, warmup: 50, timeoutSec: 600 });
  const ref = flags.ref || defaultBaseRef();
  const checkout = prepareCheckout(ref);
  console.log(`old: ${ref} = ${checkout.sha.slice(0, 12)} (node_modules: ${checkout.modules}); new: ${ROOT}`);
  const env = await startBenchEnv('compare', { bundle: false });
  const label = `compare_${Date.now()}`;
  const sides: Side[] = [];
  const children: Child[] = [];
  let connection: Connection | undefined;
  try {
    sides.push(await startSide('old', checkout.root, env, label, checkout.sameLock));
    sides.push(await startSide('new', ROOT, env, label, true));
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

    // Warm-up: JIT, connection pools, the dev server's first tasks of each queue.
    for (const side of sides) await e2eRound(env, side, flags.warmup, 8, timeoutMs, 0);
    await zeroRound(client, flags.warmup, 8, timeoutMs, 0);

    const rounds: Round[] = [];
    const orders: Array<Array<Round['kind']>> = [
      ['old', 'new', 'zero'],
      ['new', 'zero', 'old'],
      ['zero', 'old', 'new'],
    ];
    for (let r = 1; r <= flags.rounds; r++) {
      for (const kind of orders[(r - 1) % orders.length] as Array<Round['kind']>) {
        const m =
          kind === 'zero'
            ? await zeroRound(client, flags.events, flags.concurrency, timeoutMs, r)
            : await e2eRound(env, kinds[kind], flags.events, flags.concurrency, timeoutMs, r);
        const row = {
          kind,
          round: r,
          events: flags.events,
          done: m.done,
          seconds: round(m.seconds),
          perSec: round(m.done / m.seconds),
        };
        rounds.push(row);
        console.log(`round ${r} ${kind}: ${row.done}/${row.events} in ${row.seconds} s = ${row.perSec}/s`);
      }
    }
    const total = (kind: Round['kind']) => {
      const rs = rounds.filter((x) => x.kind === kind);
      const done = rs.reduce((s, x) => s + x.done, 0);
      const seconds = rs.reduce((s, x) => s + x.seconds, 0);
      return { done, perSec: round(done / seconds), rounds: rs.map((x) => x.perSec) };
    };
    const old = total('old');
    const neu = total('new');
    const zero = total('zero');
    const perRound = (a: Round['kind'], b: Round['kind']) =>
      Array.from({ length: flags.rounds }, (_, i) => {
        const x = rounds.find((q) => q.kind === a && q.round === i + 1);
        const y = rounds.find((q) => q.kind === b && q.round === i + 1);
        return x && y ? round(x.perSec / y.perSec, 2) : NaN;
      });
    const summary = {
      'new ÷ old': round(neu.perSec / old.perSec, 2),
      'new ÷ old, median round': median(perRound('new', 'old')),
      'new ÷ zero-activity': round(neu.perSec / zero.perSec, 2),
      'old ÷ zero-activity': round(old.perSec / zero.perSec, 2),
    };
    const memory = Object.fromEntries(
      sides.flatMap((s) => [
        [`${s.name} api MB`, round(rssMb(s.api.pid))],
        [`${s.name} worker MB`, round(rssMb(s.worker.pid))],
      ]),
    );
    console.log(
      `\nend to end, ${flags.rounds} alternating rounds of ${flags.events} (old = ${ref} ${checkout.sha.slice(0, 12)})\n${table(
        (['old', 'new', 'zero'] as const).map((k) => {
          const t = total(k);
          return {
            kind: k === 'zero' ? 'zero-activity wf' : `${k} e2e`,
            'events/s': t.perSec,
            'per round': t.rounds.join(' '),
            done: `${t.done}/${flags.events * flags.rounds}`,
          };
        }),
      )}\n${table([summary])}\nper-round new ÷ old: ${perRound('new', 'old').join(' ')}`,
    );
    console.log(
      `\nresults: ${writeResult('compare', { flags, ref, sha: checkout.sha, rounds, old, new: neu, zero, summary, memory })}`,
    );
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
