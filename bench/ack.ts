// Ack path benchmark: accepted webhooks/s and ack latency at several concurrency
// levels, side by side with three ceilings measured in the same run:
//   (a) bare: a node:http handler doing only the same signature check;
//   (b) raw:  client.workflow.start with the receiver's exact options, no HTTP
//             (EventStarter.start itself), from this process;
//   (c) bare+start: the bare handler of (a) that then makes the same start and
//             answers: what any HTTP receiver handing events to Temporal pays.
// Each level is measured in --rounds rounds (default 4) of n/rounds requests per
// kind, the kinds alternating in rotating order; the ratio is over the sums, and
// the per-round ratios show the spread (their median is the figure one stall of
// the dev server during one kind's round cannot move). Also reported: CPU time
// per request of the API process (ack) and of this process (raw starts, the
// client side only), and each kind's peak rate over all levels (capacity).
// The API runs as its own process; no worker runs (the ack never waits for
// processing; pass --with-worker to process events concurrently).
//   npm run bench:ack -- [--levels 1,8,32,64] [--events 600] [--events-at-one 150] [--rounds 4] [--with-worker]
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { temporalDataConverter } from '../src/temporal/dataConverter';
import { EventStarter } from '../src/ingest/starter';
import { eventWorkflowId } from '../src/ingest/workflowId';
import { startBenchEnv } from './support/env';
import { addConnection, makeDeliveries, rawInput, SECRET, SIGNATURE } from './support/fixtures';
import { callAll, combine, postAll, type LoadResult } from './support/load';
import { freePort } from '../dev/support/ports';
import { cpuMs, spawnNode, startApiProcess, startWorkerProcess, waitFor } from './support/processes';
import { latency, median, parseFlags, round, runBench, table, writeResult } from './support/report';

/** Shopify: 1 s to connect, 5 s in all; the strictest published deadline. */
const STRICTEST_DEADLINE_MS = 5_000;

function summary(r: LoadResult) {
  return { perSec: round(r.perSec), ok: r.ok, statuses: r.statuses, ...latency(r.latenciesMs) };
}

runBench(async () => {
  const flags = parseFlags({
    levels: '1,8,32,64',
    events: 600,
    eventsAtOne: 150,
    rounds: 4,
    withWorker: false,
    cpuProf: false,
  });
  const levels = flags.levels.split(',').map(Number);
  const env = await startBenchEnv('ack');
  const children: Array<{ stop(): Promise<void> }> = [];
  try {
    const connectionId = await addConnection(env, 'bench-ack');
    const nodeArgs = flags.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(env.runDir, 'prof')}`] : [];
    const api = await startApiProcess(env.childEnv, await freePort(), env.runDir, nodeArgs);
    children.push(api);
    if (flags.withWorker) children.push(await startWorkerProcess(env.childEnv, env.runDir));
    const barePort = await freePort();
    const bare = spawnNode(
      'bare',
      'bench/support/bareServer.ts',
      {
        ...env.childEnv,
        BENCH_PORT: String(barePort),
        BENCH_SECRET: SECRET,
        BENCH_SIGNATURE: JSON.stringify(SIGNATURE),
        BENCH_CONNECTION: connectionId,
      },
      path.join(env.runDir, 'bare.log'),
    );
    children.push(bare);
    await waitFor(
      'bare server',
      bare,
      async () => (await fetch(`http://127.0.0.1:${barePort}/check/x`, { method: 'POST' })).status === 401,
    );

    const connection = await Connection.connect({ address: env.temporal.address });
    const client = new Client({ connection, dataConverter: temporalDataConverter(env.rt.codec) });
    const starter = new EventStarter(client, env.childEnv.TEMPORAL_TASK_QUEUE ?? 'bench-ack', 4_000);

    // Warm-up: JIT, connection pools, the connection cache, Temporal's task queue.
    await postAll(
      `${api.url}/webhooks/${connectionId}`,
      makeDeliveries(env, `${api.url}/webhooks/${connectionId}`, 100, 'warm'),
      8,
    );
    await callAll(
      Array.from({ length: 100 }, (_, i) => i),
      8,
      (i) => starter.start(eventWorkflowId(connectionId, `warmraw_${i}`), rawInput(connectionId, i, 'warmraw')),
    );

    const rows = [];
    const results = [];
    for (const c of levels) {
      const n = c === 1 ? flags.eventsAtOne : flags.events;
      const perRound = Math.ceil(n / flags.rounds);
      const url = `${api.url}/webhooks/${connectionId}`;
      // The four kinds alternate in rotating order, round after round, so a machine that speeds
      // up or slows down during the level weighs on all of them alike.
      const runs: Record<'bare' | 'raw' | 'ack' | 'bareStart', LoadResult[]> = {
        bare: [],
        raw: [],
        ack: [],
        bareStart: [],
      };
      let apiCpuMs = 0;
      let rawCpuMs = 0;
      const measure = {
        bare: async (r: number) =>
          runs.bare.push(
            await postAll(
              `http://127.0.0.1:${barePort}/check/x`,
              makeDeliveries(env, url, perRound, `bare${c}r${r}`),
              c,
            ),
          ),
        bareStart: async (r: number) =>
          runs.bareStart.push(
            await postAll(
              `http://127.0.0.1:${barePort}/start/x`,
              makeDeliveries(env, url, perRound, `bstart${c}r${r}`),
              c,
            ),
          ),
        raw: async (r: number) => {
          const tag = `raw${c}r${r}x${Date.now().toString(36)}`;
          const cpu0 = process.cpuUsage();
          runs.raw.push(
            await callAll(
              Array.from({ length: perRound }, (_, i) => i),
              c,
              (i) => starter.start(eventWorkflowId(connectionId, `${tag}_${i}`), rawInput(connectionId, i, tag)),
            ),
          );
          const cpu = process.cpuUsage(cpu0);
          rawCpuMs += (cpu.user + cpu.system) / 1000;
        },
        ack: async (r: number) => {
          const deliveries = makeDeliveries(env, url, perRound, `ack${c}r${r}`);
          const cpu0 = cpuMs(api.pid);
          runs.ack.push(await postAll(url, deliveries, c));
          apiCpuMs += cpuMs(api.pid) - cpu0;
        },
      };
      const orders = [
        ['bare', 'raw', 'bareStart', 'ack'],
        ['ack', 'bare', 'raw', 'bareStart'],
        ['bareStart', 'ack', 'bare', 'raw'],
        ['raw', 'bareStart', 'ack', 'bare'],
      ] as const;
      for (let r = 0; r < flags.rounds; r++) for (const kind of orders[r % 4]!) await measure[kind](r);
      const [bareRes, rawRes, ackRes, bareStartRes] = [
        combine(runs.bare),
        combine(runs.raw),
        combine(runs.ack),
        combine(runs.bareStart),
      ];
      const roundRatios = runs.ack.map((a, i) => round(a.perSec / runs.raw[i]!.perSec, 2));
      const cpu = {
        rawClientMsPerStart: round(rawCpuMs / rawRes.sent, 2),
        apiMsPerAck: round(apiCpuMs / ackRes.sent, 2),
      };
      const r = {
        concurrency: c,
        events: ackRes.sent,
        rounds: flags.rounds,
        bare: summary(bareRes),
        raw: summary(rawRes),
        bareStart: summary(bareStartRes),
        ack: summary(ackRes),
        cpu,
      };
      const level = {
        ...r,
        ratioVsRaw: round(r.ack.perSec / r.raw.perSec, 2),
        roundRatios,
        medianRoundRatio: round(median(roundRatios), 2),
        ratioVsBareStart: round(r.ack.perSec / r.bareStart.perSec, 2),
        bareStartVsRaw: round(r.bareStart.perSec / r.raw.perSec, 2),
        ratioVsBare: round(r.ack.perSec / r.bare.perSec, 3),
        p99VsDeadline: round(r.ack.p99 / STRICTEST_DEADLINE_MS, 4),
      };
      results.push(level);
      rows.push({
        conc: c,
        n: ackRes.sent,
        'bare/s': r.bare.perSec,
        'raw start/s': r.raw.perSec,
        'ack/s': r.ack.perSec,
        'bare+start/s': r.bareStart.perSec,
        'ack÷raw': level.ratioVsRaw,
        'per round': roundRatios.join(' '),
        'median round': level.medianRoundRatio,
        '(bare+start)÷raw': level.bareStartVsRaw,
        'ack÷(bare+start)': level.ratioVsBareStart,
        'raw p50/p99 ms': `${r.raw.p50}/${r.raw.p99}`,
        'ack p50/p99 ms': `${r.ack.p50}/${r.ack.p99}`,
        'p99÷5s': `${round(level.p99VsDeadline * 100, 1)}%`,
        'ack 202': `${r.ack.ok}/${ackRes.sent}`,
        'CPU ms: API/ack, client/start': `${cpu.apiMsPerAck}/${cpu.rawClientMsPerStart}`,
      });
      console.log(`concurrency ${c}: ack ${r.ack.perSec}/s, raw ${r.raw.perSec}/s, bare ${r.bare.perSec}/s`);
    }
    await connection.close();
    console.log(
      `\nack path (goal: ack÷raw ≥ 0.85; p99 far inside the ${STRICTEST_DEADLINE_MS} ms Shopify deadline)\n${table(rows)}`,
    );
    // Throughput as capacity: the best rate each reaches at any measured concurrency.
    const peaks = {
      ack: { perSec: 0, concurrency: 0 },
      raw: { perSec: 0, concurrency: 0 },
      bareStart: { perSec: 0, concurrency: 0 },
    };
    for (const r of results) {
      for (const k of ['ack', 'raw', 'bareStart'] as const)
        if (r[k].perSec > peaks[k].perSec) peaks[k] = { perSec: r[k].perSec, concurrency: r.concurrency };
    }
    const peak = { ...peaks, ackVsRaw: round(peaks.ack.perSec / peaks.raw.perSec, 2) };
    if (results.length > 1) {
      console.log(
        `\npeak throughput: ack ${peak.ack.perSec}/s (c=${peak.ack.concurrency}), raw start ${peak.raw.perSec}/s (c=${peak.raw.concurrency}), ` +
          `bare+start ${peak.bareStart.perSec}/s (c=${peak.bareStart.concurrency}); ack÷raw at peak ${peak.ackVsRaw}`,
      );
    }
    const file = writeResult('ack', { flags, worker: flags.withWorker, results, peak });
    console.log(`\nresults: ${file}`);
  } finally {
    for (const c of children.reverse()) await c.stop();
    await env.stop();
  }
});
