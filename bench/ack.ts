// Ack path benchmark: accepted webhooks/s and ack latency at several concurrency
// levels, side by side with two ceilings measured in the same run:
//   (a) bare: a node:http handler doing only the same signature check;
//   (b) raw:  client.workflow.start with the receiver's exact options, no HTTP
//             (EventStarter.start itself), from this process.
// The API runs as its own process; no worker runs (the ack never waits for
// processing; pass --with-worker to process events concurrently).
//   npm run bench:ack -- [--levels 1,8,32,64] [--events 600] [--events-at-one 150] [--with-worker]
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { EventStarter } from '../src/ingest/starter';
import { eventWorkflowId } from '../src/ingest/workflowId';
import { startBenchEnv } from './support/env';
import { addConnection, makeDeliveries, rawInput, SECRET, SIGNATURE } from './support/fixtures';
import { postAll, callAll, type LoadResult } from './support/load';
import { freePort } from './support/ports';
import { cpuMs, spawnNode, startApiProcess, startWorkerProcess, waitFor } from './support/processes';
import { latency, parseFlags, round, runBench, table, writeResult } from './support/report';

/** Shopify: 1 s to connect, 5 s in all; the strictest published deadline. */
const STRICTEST_DEADLINE_MS = 5_000;

function summary(r: LoadResult) {
  return { perSec: round(r.perSec), ok: r.ok, statuses: r.statuses, ...latency(r.latenciesMs) };
}

runBench(async () => {
  const flags = parseFlags({ levels: '1,8,32,64', events: 600, eventsAtOne: 150, withWorker: false, cpuProf: false });
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
    const bare = spawnNode('bare', 'bench/support/bareServer.ts', { BENCH_PORT: String(barePort), BENCH_SECRET: SECRET, BENCH_SIGNATURE: JSON.stringify(SIGNATURE) }, path.join(env.runDir, 'bare.log'));
    children.push(bare);
    await waitFor('bare server', bare, async () => (await fetch(`http://127.0.0.1:${barePort}/`)).status === 401);

    const connection = await Connection.connect({ address: env.temporal.address });
    const client = new Client({ connection });
    const starter = new EventStarter(client, env.childEnv.TEMPORAL_TASK_QUEUE ?? 'bench-ack', 4_000);

    // Warm-up: JIT, connection pools, the connection cache, Temporal's task queue.
    await postAll(`${api.url}/webhooks/${connectionId}`, makeDeliveries(env, `${api.url}/webhooks/${connectionId}`, 100, 'warm'), 8);
    await callAll(Array.from({ length: 100 }, (_, i) => i), 8, (i) => starter.start(eventWorkflowId(connectionId, `warmraw_${i}`), rawInput(connectionId, i, 'warmraw')));

    const rows = [];
    const results = [];
    for (const c of levels) {
      const n = c === 1 ? flags.eventsAtOne : flags.events;
      const url = `${api.url}/webhooks/${connectionId}`;
      const bareRes = await postAll(`http://127.0.0.1:${barePort}/webhooks/x`, makeDeliveries(env, url, n, `bare${c}`), c);
      const tag = `raw${c}x${Date.now().toString(36)}`;
      const rawCpu0 = process.cpuUsage();
      const rawRes = await callAll(Array.from({ length: n }, (_, i) => i), c, (i) => starter.start(eventWorkflowId(connectionId, `${tag}_${i}`), rawInput(connectionId, i, tag)));
      const rawCpu = process.cpuUsage(rawCpu0);
      const deliveries = makeDeliveries(env, url, n, `ack${c}`);
      const apiCpu0 = cpuMs(api.pid);
      const ackRes = await postAll(url, deliveries, c);
      const apiCpu = cpuMs(api.pid) - apiCpu0;
      const cpu = { rawClientMsPerStart: round((rawCpu.user + rawCpu.system) / 1000 / n, 3), apiMsPerAck: round(apiCpu / n, 3) };
      const r = { concurrency: c, events: n, bare: summary(bareRes), raw: summary(rawRes), ack: summary(ackRes), cpu };
      results.push({ ...r, ratioVsRaw: round(r.ack.perSec / r.raw.perSec, 2), ratioVsBare: round(r.ack.perSec / r.bare.perSec, 3), p99VsDeadline: round(r.ack.p99 / STRICTEST_DEADLINE_MS, 4) });
      rows.push({
        conc: c,
        n,
        'bare/s': r.bare.perSec,
        'raw start/s': r.raw.perSec,
        'ack/s': r.ack.perSec,
        'ack÷raw': round(r.ack.perSec / r.raw.perSec, 2),
        'raw p50/p99 ms': `${r.raw.p50}/${r.raw.p99}`,
        'ack p50/p99 ms': `${r.ack.p50}/${r.ack.p99}`,
        'p99÷5s': `${round((r.ack.p99 / STRICTEST_DEADLINE_MS) * 100, 1)}%`,
        'ack 202': `${r.ack.ok}/${n}`,
        'CPU ms: API/ack, client/raw start': `${cpu.apiMsPerAck}/${cpu.rawClientMsPerStart}`,
      });
      console.log(`concurrency ${c}: ack ${r.ack.perSec}/s, raw ${r.raw.perSec}/s, bare ${r.bare.perSec}/s`);
    }
    await connection.close();
    console.log(`\nack path (goal: ack÷raw ≥ 0.85; p99 far inside the ${STRICTEST_DEADLINE_MS} ms Shopify deadline)\n${table(rows)}`);
    const file = writeResult('ack', { flags, worker: flags.withWorker, results });
    console.log(`\nresults: ${file}`);
  } finally {
    for (const c of children.reverse()) await c.stop();
    await env.stop();
  }
});
