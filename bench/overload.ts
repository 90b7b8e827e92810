// Overload benchmark (issue 20 §4), all in one run:
//  1. the queue-first baseline: bare node:http + the same signature check + one
//     INSERT ... ON CONFLICT DO NOTHING (bench/support/queueFirstServer.ts),
//     closed loop at concurrency 32: the ceiling for a durable ack here;
//  2. capacity: end-to-end events/s (HTTP receipt to webhook_events 'processed')
//     through syncline (OVERLOAD_MODE=none) with one worker;
//  3. for each mode (none, shed, overflow), each partner retry model
//     (dev/simulator/retryModels.ts, compressed by --time-scale) and each level
//     (x capacity): an open-loop burst of --duration-sec, then the drain.
// Reported per cell: accepted/s (2xx during the burst), goodput (events processed
// per second during the burst), ack p50/p99 over every attempt, the share of
// attempts answered 503, the time to drain after the burst (every acked event
// processed, inbox empty), events left to reconciliation (the partner gave up, or
// was still retrying at the end), the inbox's peak depth and age, peak RSS of the
// API and the worker. Goals (issue 20): goodput >= 0.9 x capacity at every level;
// in overflow mode accepted/s >= 0.8 x the queue-first baseline; with real retry
// models nothing abandoned at 10x.
//   npm run bench:overload -- [--levels 1,2,5,10] [--modes none,shed,overflow]
//     [--models stripe,shopify,github,svix] [--duration-sec 120] [--time-scale 0.001]
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../dev/support/ports';
import { isRetryModelName, RETRY_MODELS } from '../dev/simulator/retryModels';
import { startBenchEnv, type BenchEnv } from './support/env';
import { addConnection, makeDeliveries, SECRET, SIGNATURE } from './support/fixtures';
import { postAll } from './support/load';
import { offerOpenLoop } from './support/openLoop';
import { rssMb, spawnNode, startWorkerProcess, waitFor, type Child } from './support/processes';
import { latency, parseFlags, round, runBench, table, writeResult } from './support/report';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function startApi(env: BenchEnv, mode: string): Promise<Child & { url: string; opsUrl: string }> {
  const [port, opsPort] = [await freePort(), await freePort()];
  const child = spawnNode(
    `api-${mode}`,
    'src/api/main.ts',
    {
      ...env.childEnv,
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      API_OPS_PORT: String(opsPort),
      OVERLOAD_MODE: mode,
      // Partners retry on their own schedule; Retry-After is the receiver's advice, capped here.
      RETRY_AFTER_SEC: '30',
    },
    path.join(env.runDir, `api-${mode}.log`),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('api', child, async () => (await fetch(`${url}/healthz`)).ok);
  return { ...child, url, opsUrl: `http://127.0.0.1:${opsPort}` };
}

/** One value of an unlabelled gauge from a /metrics text. */
function gauge(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

runBench(async () => {
  const flags = parseFlags({
    levels: '1,2,5,10',
    modes: 'none,shed,overflow',
    models: 'stripe,shopify,github,svix',
    durationSec: 120,
    timeScale: 0.001,
    capacityEvents: 400,
    baselineEvents: 2000,
    settleSec: 120,
    // A cell must drain completely before the next one starts: the relay runs in every API process whatever
    // its mode, so a backlog left behind takes the next cell's start permits (a run with a 300 s cap measured
    // a shed cell's goodput as 0 while it drained the 10x overflow cell's 40,000 leftover rows). At 10x for
    // 2 minutes the inbox holds about 18 minutes of work at capacity.
    drainTimeoutSec: 3600,
  });
  const levels = flags.levels.split(',').map(Number);
  const modes = flags.modes.split(',');
  const models = flags.models.split(',').map((m) => {
    if (!isRetryModelName(m)) throw new Error(`unknown retry model ${m}`);
    return RETRY_MODELS[m];
  });
  const env = await startBenchEnv('overload', { logLevel: 'warn' });
  const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
  const count = async (sql: string, connectionId: string) =>
    Number((await pool.query<{ n: string }>(sql, [connectionId])).rows[0]?.n ?? 0);
  const processed = (c: string) =>
    count(`SELECT count(*) AS n FROM webhook_events WHERE connection_id = $1 AND status = 'processed'`, c);
  const waiting = (c: string) => count(`SELECT count(*) AS n FROM webhook_inbox WHERE connection_id = $1`, c);
  const children: Child[] = [];
  try {
    // 1. Queue-first baseline.
    const qfPort = await freePort();
    const qf = spawnNode(
      'queue-first',
      'bench/support/queueFirstServer.ts',
      { ...env.childEnv, BENCH_PORT: String(qfPort), BENCH_SECRET: SECRET, BENCH_SIGNATURE: JSON.stringify(SIGNATURE) },
      path.join(env.runDir, 'queue-first.log'),
    );
    const qfUrl = `http://127.0.0.1:${qfPort}/webhooks/queue-first`;
    await waitFor('queue-first server', qf, async () => (await fetch(qfUrl, { method: 'POST' })).status === 401);
    await postAll(qfUrl, makeDeliveries(env, qfUrl, 200, 'qfwarm'), 8);
    const baselineRun = await postAll(qfUrl, makeDeliveries(env, qfUrl, flags.baselineEvents, 'qf'), 32);
    await qf.stop();
    const baseline = { perSec: round(baselineRun.perSec), ...latency(baselineRun.latenciesMs) };
    console.log(
      `queue-first baseline: ${baseline.perSec} durable acks/s (p50 ${baseline.p50} ms, p99 ${baseline.p99} ms)`,
    );

    // 2. Capacity, end to end.
    // At info: start-up is recognised by the worker's `worker.started` line (the APIs stay at warn).
    const worker = await startWorkerProcess({ ...env.childEnv, LOG_LEVEL: 'info' }, env.runDir);
    children.push(worker);
    let api = await startApi(env, 'none');
    const capConn = await addConnection(env, 'ov-capacity');
    const capUrl = `${api.url}/webhooks/${capConn}`;
    const capStarted = performance.now();
    await postAll(capUrl, makeDeliveries(env, capUrl, flags.capacityEvents, 'cap'), 16);
    while ((await processed(capConn)) < flags.capacityEvents) await sleep(200);
    const capacity = round(flags.capacityEvents / ((performance.now() - capStarted) / 1000));
    console.log(`capacity: ${capacity} events/s end to end`);

    // 3. The bursts.
    const rows: Array<Record<string, string | number>> = [];
    const cells = [];
    for (const mode of modes) {
      await api.stop();
      api = await startApi(env, mode);
      for (const model of models) {
        for (const level of levels) {
          const conn = await addConnection(env, `ov-${mode}-${model.name}-${level}x`);
          const url = `${api.url}/webhooks/${conn}`;
          const rate = capacity * level;
          const deliveries = makeDeliveries(
            env,
            url,
            Math.round(rate * flags.durationSec),
            `${mode}${model.name}${level}`,
          );
          const peak = { apiMb: 0, workerMb: 0, inboxDepth: 0, inboxAgeSec: 0 };
          let sampling = true;
          const sampler = (async () => {
            while (sampling) {
              peak.apiMb = Math.max(peak.apiMb, rssMb(api.pid));
              peak.workerMb = Math.max(peak.workerMb, rssMb(worker.pid));
              const text = await fetch(`${api.opsUrl}/metrics`).then(
                (r) => r.text(),
                () => '',
              );
              peak.inboxDepth = Math.max(peak.inboxDepth, gauge(text, 'syncline_inbox_depth'));
              peak.inboxAgeSec = Math.max(peak.inboxAgeSec, gauge(text, 'syncline_inbox_oldest_age_seconds'));
              await sleep(1_000);
            }
          })();
          const started = performance.now();
          let burstEnd = 0;
          let processedInBurst: Promise<number> = Promise.resolve(0);
          const res = await offerOpenLoop({
            url,
            deliveries,
            ratePerSec: rate,
            model,
            timeScale: flags.timeScale,
            settleTimeoutMs: flags.settleSec * 1000,
            onOffered: () => {
              burstEnd = performance.now();
              processedInBurst = processed(conn);
            },
          });
          const burstSec = (burstEnd - started) / 1000;
          const acked = res.ackedAtMs.length;
          let drainSec: number | string = '';
          for (;;) {
            if ((await processed(conn)) >= acked && (await waiting(conn)) === 0) {
              drainSec = round((performance.now() - burstEnd) / 1000);
              break;
            }
            if (performance.now() - burstEnd > flags.drainTimeoutSec * 1000) {
              drainSec = `>${flags.drainTimeoutSec}`;
              console.warn(
                `${mode} ${model.name} ${level}x did not drain: the cells after it measure its leftovers too`,
              );
              break;
            }
            await sleep(250);
          }
          sampling = false;
          await sampler;
          const ack = latency(res.latenciesMs);
          const cell = {
            mode,
            model: model.name,
            level,
            offeredPerSec: round(rate),
            acceptedPerSec: round(res.ackedAtMs.filter((t) => t <= burstEnd - started).length / burstSec),
            goodputPerSec: round((await processedInBurst) / burstSec),
            ackP50Ms: ack.p50,
            ackP99Ms: ack.p99,
            share503: round((res.statuses['503'] ?? 0) / Math.max(1, res.attempts), 3),
            drainSec,
            leftToReconciliation: res.abandoned + res.unsettled,
            abandoned: res.abandoned,
            ...peak,
          };
          cells.push({ ...cell, statuses: res.statuses, attempts: res.attempts, offered: res.offered });
          rows.push({
            mode,
            model: model.name,
            'x cap': level,
            'offered/s': cell.offeredPerSec,
            'accepted/s': cell.acceptedPerSec,
            'goodput/s': cell.goodputPerSec,
            'goodput÷cap': round(cell.goodputPerSec / capacity, 2),
            'ack p50/p99 ms': `${ack.p50}/${ack.p99}`,
            '503 share': cell.share503,
            'drain s': drainSec,
            'left to reconcile': cell.leftToReconciliation,
            'inbox peak depth/age s': `${peak.inboxDepth}/${round(peak.inboxAgeSec)}`,
            'RSS MB api/worker': `${round(peak.apiMb, 0)}/${round(peak.workerMb, 0)}`,
          });
          console.log(table(rows.slice(-1)));
        }
      }
    }
    await api.stop();
    console.log(
      `\noverload (queue-first baseline ${baseline.perSec}/s; capacity ${capacity} events/s; goals: goodput ≥ 0.9 x capacity, overflow accepted/s ≥ 0.8 x baseline, nothing abandoned at 10x)\n${table(rows)}`,
    );
    const file = writeResult('overload', { flags, baseline, capacity, cells });
    console.log(`\nresults: ${file}`);
  } finally {
    for (const c of children.reverse()) await c.stop();
    await pool.end();
    await env.stop();
  }
});
