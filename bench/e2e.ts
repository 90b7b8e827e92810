// End-to-end benchmark: events/s from receipt (HTTP POST to the API) to the
// event's row marked processed in PostgreSQL (object fetched from the partner,
// upserted, outcome recorded), against a trivial workflow with the same number
// of no-op activities started directly, in the same run on the same dev server.
// API, syncline worker and trivial worker are separate processes.
//   npm run bench:e2e -- [--events 400] [--concurrency 32]
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporalDataConverter } from '../src/temporal/dataConverter';
import { bundleWorkflows, startBenchEnv, type BenchEnv } from './support/env';
import { addConnection, makeDeliveries } from './support/fixtures';
import { callAll, postAll } from './support/load';
import { freePort } from '../dev/support/ports';
import { startApiProcess, startWorkerProcess } from './support/processes';
import { parseFlags, round, runBench, table, writeResult } from './support/report';
import { TRIVIAL_ACTIVITY_COUNT } from './support/trivialWorkflows';

const POLL_MS = 250;
/** Deliveries signed at a time (at ~150 acks/s, about a minute of sending). */
const SIGN_CHUNK = 10_000;

async function waitUntil(count: () => Promise<number>, target: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await count();
    if (n >= target || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export interface E2eFigures {
  events: number;
  /** ackPerSec counts 202s only; `answers` is every status the API gave (a 503 is a partner retry, not an ack). */
  syncline: {
    perSec: number;
    seconds: number;
    processed: number;
    ackPerSec: number;
    accepted: number;
    answers: Record<string, number>;
  };
  trivial: { perSec: number; seconds: number; completed: number };
  ratio: number;
}

/** What measureE2e measures: the ack only, syncline end to end only, or (default) end to end beside the trivial workflow. */
export type E2eScope = 'ack' | 'e2e' | 'e2e+trivial';

/** One side-by-side measurement on an already started environment; used by bench:scaling too. */
export async function measureE2e(
  env: BenchEnv,
  apiUrl: string,
  client: Client,
  connectionId: string,
  events: number,
  concurrency: number,
  timeoutMs: number,
  scope: E2eScope = 'e2e+trivial',
): Promise<E2eFigures> {
  const tag = `e2e${Date.now().toString(36)}`;
  const url = `${apiUrl}/webhooks/${connectionId}`;
  const processed = () =>
    env.rt.db.webhookEvent.count({
      where: { connectionId, status: 'processed', eventId: { startsWith: `evt_${tag}` } },
    });
  // Event ids come from the factory prefix, which starts with the tag.
  const t0 = performance.now();
  // Signed in chunks just before they are sent: a signature's timestamp must stay inside the
  // receiver's tolerance (5 min), and 100,000 deliveries take longer than that to send.
  let sendingMs = 0;
  let accepted = 0;
  const answers: Record<string, number> = {};
  for (let from = 0; from < events; from += SIGN_CHUNK) {
    const part = await postAll(
      url,
      makeDeliveries(env, url, Math.min(SIGN_CHUNK, events - from), `${tag}c${from}x`),
      concurrency,
    );
    sendingMs += part.durationMs;
    accepted += part.ok;
    for (const [status, n] of Object.entries(part.statuses)) answers[status] = (answers[status] ?? 0) + n;
  }
  const acked = { accepted, answers, ackPerSec: round((accepted / sendingMs) * 1000) };
  if (scope === 'ack') {
    const seconds = round((performance.now() - t0) / 1000);
    return {
      events,
      syncline: { perSec: NaN, seconds, processed: 0, ...acked },
      trivial: { perSec: NaN, seconds: NaN, completed: 0 },
      ratio: NaN,
    };
  }
  const done = await waitUntil(processed, events, timeoutMs);
  const synclineSec = (performance.now() - t0) / 1000;
  const syncline = { perSec: round(done / synclineSec), seconds: round(synclineSec), processed: done, ...acked };
  if (scope === 'e2e') return { events, syncline, trivial: { perSec: NaN, seconds: NaN, completed: 0 }, ratio: NaN };

  const ids = Array.from({ length: events }, (_, i) => `${tag}-trivial-${i}`);
  const t1 = performance.now();
  await callAll(ids, concurrency, (id) =>
    client.workflow.start('trivial', {
      taskQueue: 'bench-trivial',
      workflowId: id,
      args: [{ id, activities: TRIVIAL_ACTIVITY_COUNT }],
    }),
  );
  const completedCount = async () => {
    const r = await client.workflow.count(
      `WorkflowType = 'trivial' AND ExecutionStatus = 'Completed' AND WorkflowId STARTS_WITH '${tag}-trivial-'`,
    );
    return r.count;
  };
  const completed = await waitUntil(completedCount, events, timeoutMs);
  const trivialSec = (performance.now() - t1) / 1000;
  const trivial = { perSec: round(completed / trivialSec), seconds: round(trivialSec), completed };
  return { events, syncline, trivial, ratio: round(syncline.perSec / trivial.perSec, 2) };
}

export async function startE2eSystem(env: BenchEnv) {
  const connectionId = await addConnection(env, 'bench-e2e');
  // A child started before a later one failed is stopped here: nobody else holds it (an orphaned API outlived a failed run).
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const api = await startApiProcess(env.childEnv, await freePort(), env.runDir);
    started.push(api);
    const worker = await startWorkerProcess(env.childEnv, env.runDir);
    started.push(worker);
    const trivialBundle = await bundleWorkflows(
      path.join(__dirname, 'support/trivialWorkflows.ts'),
      path.join(env.runDir, 'trivial-bundle.js'),
    );
    const trivialWorker = await startWorkerProcess(
      { ...env.childEnv, TEMPORAL_TASK_QUEUE: 'bench-trivial', TRIVIAL_BUNDLE_PATH: trivialBundle },
      env.runDir,
      'bench/support/trivialWorker.ts',
    );
    started.push(trivialWorker);
    const connection = await Connection.connect({ address: env.temporal.address });
    const client = new Client({ connection, dataConverter: temporalDataConverter(env.rt.codec) });
    return {
      connectionId,
      api,
      worker,
      trivialWorker,
      client,
      async stop() {
        await connection.close();
        await api.stop();
        await worker.stop();
        await trivialWorker.stop();
      },
    };
  } catch (err) {
    for (const c of started.reverse()) await c.stop();
    throw err;
  }
}

if (require.main === module) {
  runBench(async () => {
    const flags = parseFlags({ events: 400, concurrency: 32, timeoutSec: 600 });
    const env = await startBenchEnv('e2e');
    const sys = await startE2eSystem(env).catch(async (err: unknown) => {
      await env.stop();
      throw err;
    });
    try {
      await measureE2e(env, sys.api.url, sys.client, sys.connectionId, 50, 8, 60_000); // warm-up
      const r = await measureE2e(
        env,
        sys.api.url,
        sys.client,
        sys.connectionId,
        flags.events,
        flags.concurrency,
        flags.timeoutSec * 1000,
      );
      console.log(
        `\nend to end (goal: syncline ÷ trivial ≥ 0.7)\n${table([
          {
            events: r.events,
            'syncline events/s': r.syncline.perSec,
            'trivial wf/s': r.trivial.perSec,
            ratio: r.ratio,
            'syncline s': r.syncline.seconds,
            'trivial s': r.trivial.seconds,
            processed: `${r.syncline.processed}/${r.events}`,
            completed: `${r.trivial.completed}/${r.events}`,
            'ack/s during': r.syncline.ackPerSec,
          },
        ])}`,
      );
      console.log(`\nresults: ${writeResult('e2e', { flags, activitiesPerEvent: TRIVIAL_ACTIVITY_COUNT, ...r })}`);
    } finally {
      await sys.stop();
      await env.stop();
    }
  });
}
