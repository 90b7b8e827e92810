// One chaos convergence run, for the test, `npm run chaos` and the demo.
// Sets up a fresh database behind a breakable TCP proxy, a file-backed Temporal
// dev server or (o.cluster) a Temporal cluster on a PostgreSQL of its own
// (./chaosTemporal.ts), N API and M worker processes, the chaos partner and the naive
// receiver; streams the seeded changes while the schedule kills things; drains
// the partner's retries; runs reconciliation; bulk-replays parked events as an
// operator would; then checks convergence. A mismatch throws ChaosMismatchError
// carrying the summary, the seed and the command that replays it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporalDataConverter } from '../../src/temporal/dataConverter';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { parseEnv } from '../../src/config';
import { ensureDatabase } from '../../src/db/bootstrap';
import { migrate } from '../../src/db/migrate';
import { createLogger } from '../../src/infra/log';
import { OperatorService } from '../../src/operator/operatorService';
import { reconcileServiceFor } from '../../src/reconcile';
import { ChaosPartner, DEFAULT_PARTNER_RETRY, DeliveryPlanner } from './';
import { RETRY_MODELS } from '../simulator/retryModels';
import { openRuntime, type Runtime } from '../../src/system/runtime';
import { freePort } from '../support/ports';
import { viaProxy } from '../support/tcpProxy';
import { startTcpProxyProcess } from '../support/tcpProxyProcess';
import { NaiveReceiver } from './naive';
import { type ChaosOptions, DEFAULT_RETRY_TIME_SCALE, replayCommand } from './options';
import { SynclineProcess } from './chaosProcesses';
import { startChaosTemporal } from './chaosTemporal';
import { type ChaosSummary, renderSummary } from './summary';
import { failures, statusCounts, verify } from './verify';
import { performOperatorAction, planOperatorActions } from './operatorFault';
import { productCaughtUp, productFailures, verifyProduct } from './productCheck';
import { startProductEndpoint } from '../support/productEndpoint';
import { sweepClosedWorkflows } from '../../src/workflows/sweepClosedWorkflows';
import { CLOSED_FROM_OUTSIDE } from '../../src/store/eventTransitions';
import { inboxEventIds } from '../../src/store/webhookInbox';

export interface Progress {
  phase: string;
  elapsedS: number;
  changes: number;
  total: number;
  sent: number;
  acked: number;
  processed: number;
  parked: number;
  reconciled: number;
}

export interface RunHooks {
  log?: (line: string) => void;
  progress?: (p: Progress) => void;
}

export class ChaosMismatchError extends Error {
  override readonly name = 'ChaosMismatchError';
  constructor(
    readonly summary: ChaosSummary,
    readonly problems: string[],
    readonly replay: string,
  ) {
    super(
      `chaos run seed ${summary.seed} did not converge: ${problems.join('; ')}\nreplay: ${replay}\n${summary.verdict.samples.join('\n')}`,
    );
  }
}

export interface ChaosRun {
  summary: ChaosSummary;
  table: string;
  uiUrl: string | undefined;
  connectionId: string;
  /** Stops everything the run started (the demo keeps it running until Ctrl-C). */
  teardown(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const STRIPE = { scheme: 'stripe' } as const;
const API_KEY = 'chaos_partner_key';
const CACHE_TTL_MS = 500;
const CHAOS_GAP_MS = 5_000;
// A teardown step that takes longer is reported and passed (a SIGTERMed worker drains for up to 30 s).
const TEARDOWN_STEP_MS = 60_000;
const quiet = (): void => undefined;
/** Webpack's build report would scroll the demo's status line away. */
const QUIET = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };

/** The runner's own database calls ride out the outages it causes and a loaded machine. */
async function retrying<T>(work: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(1_000);
    }
  }
}

/**
 * Waits until probe() says done, for as long as what it reports keeps changing: it fails only after
 * stallMs without any change. A slow machine (or a cluster working through a backlog) makes it wait
 * longer; a stuck system still fails.
 */
async function waitWhileProgressing(
  what: string,
  stallMs: number,
  probe: () => Promise<{ done: boolean; progress: string }>,
): Promise<void> {
  let last: string | undefined;
  let stallDeadline = Date.now() + stallMs;
  for (;;) {
    const p = await probe().catch(() => ({ done: false, progress: last ?? '' }));
    if (p.done) return;
    if (p.progress !== last) {
      last = p.progress;
      stallDeadline = Date.now() + stallMs;
    } else if (Date.now() > stallDeadline)
      throw new Error(`chaos: no progress for ${stallMs} ms waiting for ${what} (last: ${last})`);
    await sleep(500);
  }
}

async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`chaos: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(500);
  }
}

export async function runChaos(o: ChaosOptions, hooks: RunHooks = {}): Promise<ChaosRun> {
  const say = hooks.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const started = Date.now();
  const runId = `${o.seed}-${Date.now().toString(36)}`;
  const dir = path.join(o.runDir, `chaos-${runId}`);
  fs.mkdirSync(dir, { recursive: true });
  const stops: Array<[name: string, stop: () => Promise<void>]> = [];
  // Each step is bounded and named: a step that hangs (a pool waiting on a session a
  // PostgreSQL restart cut, say) is reported and passed, never holding the run forever.
  const teardown = async () => {
    for (const [name, stop] of stops.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        stop().then(
          () => 'stopped',
          (err: unknown) => `failed: ${String(err)}`,
        ),
        new Promise<string>((r) => (timer = setTimeout(() => r('timed out'), TEARDOWN_STEP_MS))),
      ]);
      clearTimeout(timer);
      if (outcome !== 'stopped') say(`chaos: teardown of ${name} ${outcome}; going on`);
    }
  };
  say(
    `chaos: seed ${o.seed}, ${o.changes} changes at ${o.ratePerSec}/s, ${o.apis} APIs + ${o.workers} workers, kills ${o.kills ? 'on' : 'off'} (replay: ${replayCommand(o)})`,
  );
  try {
    // First: in cluster mode it brings the PostgreSQL server syncline's database goes on.
    const temporal = await startChaosTemporal(o, dir);
    stops.push(['Temporal', () => temporal.stop()]);
    const dbUrl = new URL(temporal.databaseServerUrl);
    dbUrl.pathname = `/chaos_${runId.replace(/-/g, '_')}`;
    await ensureDatabase(dbUrl.toString());
    await migrate(dbUrl.toString());
    // In its own process: this one also plays the partner and can fall behind under load.
    const proxy = await startTcpProxyProcess(dbUrl.hostname, Number(dbUrl.port || 5432));
    stops.push(['database proxy', () => proxy.close()]);
    const proxiedDb = viaProxy(dbUrl.toString(), proxy);
    const bundle = o.workflowBundlePath ?? path.join(dir, 'workflow-bundle.js');
    if (!o.workflowBundlePath)
      fs.writeFileSync(
        bundle,
        (
          await bundleWorkflowCode({
            workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts'),
            logger: QUIET,
          })
        ).code,
      );

    const taskQueue = `chaos-${runId}`;
    const encryptionKey = crypto.randomBytes(32).toString('base64');
    const env = parseEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: dbUrl.toString(),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ENCRYPTION_KEY: encryptionKey,
      DATA_DIR: dir,
      CONNECTION_CACHE_TTL_MS: '0',
    });
    const rt: Runtime = await openRuntime(env, createLogger('warn', 'chaos'), { migrate: false });
    stops.push(['runtime', () => rt.close()]);
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(['Temporal connection', () => connection.close()]);
    const client = new Client({ connection, dataConverter: temporalDataConverter(rt.codec) });

    const naive = o.naive ? new NaiveReceiver(dbUrl.toString(), runId) : undefined;
    const alertSink = naive ?? new NaiveReceiver(dbUrl.toString(), `${runId}_alerts`);
    await alertSink.start();
    stops.push(['alert sink', () => alertSink.close()]);

    const apiPorts = await Promise.all(Array.from({ length: o.apis }, () => freePort()));
    const connId = `chaos-${runId}`;
    const oldSecret = `whsec_chaos_${crypto.randomBytes(8).toString('hex')}`;
    const newSecret = `whsec_chaos_${crypto.randomBytes(8).toString('hex')}`;
    const partner = new ChaosPartner({
      seed: o.seed,
      apiKey: API_KEY,
      faults: o.faults,
      signature: STRIPE,
      secret: oldSecret,
      targets: apiPorts.map((p) => `http://127.0.0.1:${p}/webhooks/${connId}`),
      naiveUrl: naive?.url,
      retry: o.retryModel
        ? {
            ...DEFAULT_PARTNER_RETRY,
            model: RETRY_MODELS[o.retryModel],
            timeScale: o.retryTimeScale ?? DEFAULT_RETRY_TIME_SCALE,
          }
        : undefined,
    });
    await partner.start();
    stops.push(['partner', () => partner.close()]);
    // The product that uses the synced data: told of every change by signed notifications, down for a while mid-run.
    const productSecret = `whsec_${crypto.randomBytes(32).toString('base64')}`;
    const product = await startProductEndpoint({ secret: productSecret });
    stops.push(['product endpoint', () => product.close()]);
    await rt.connections.upsert({
      id: connId,
      connector: 'rest',
      enabled: true,
      apiBaseUrl: partner.url,
      signingSecrets: [oldSecret],
      credentials: { apiKey: API_KEY },
      settings: {
        signature: STRIPE,
        retry: { initialIntervalMs: 100, maximumIntervalMs: 400, maximumAttempts: 4 },
        changes: {
          style: 'cursor',
          urlTemplate: '{baseUrl}/api/changes',
          ids: { style: 'cursor', urlTemplate: '{baseUrl}/api/ids' },
        },
        reconcile: { pageSize: 500 },
      },
    });

    const procEnv = {
      DATABASE_URL: proxiedDb,
      DATABASE_POOL_SIZE: '5',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ENCRYPTION_KEY: encryptionKey,
      DATA_DIR: dir,
      CONNECTION_CACHE_TTL_MS: String(CACHE_TTL_MS),
      RETRY_AFTER_SEC: '1',
      ACK_TIMEOUT_MS: '3000',
      // Unset: no admission limit, as before issue 20, until a run with the overflow default is measured here.
      OVERLOAD_MODE: o.overloadMode ?? 'none',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      WORKFLOW_BUNDLE_PATH: bundle,
      WORKER_METRICS_PORT: '0',
      WORKER_MAINTENANCE_SCHEDULES: 'false',
      ALERT_WEBHOOK_URL: alertSink.alertsUrl,
      ALERT_FLUSH_INTERVAL_MS: '2000',
      ALERT_GROUP_WINDOW_MS: '10000',
      PRODUCT_WEBHOOK_URL: product.url,
      PRODUCT_WEBHOOK_SECRET: productSecret,
      NOTIFY_BATCH_WINDOW_MS: '300',
      NOTIFY_RETRY_INITIAL_MS: '200',
      NOTIFY_RETRY_MAX_INTERVAL_MS: '1000',
      // About 6 s of retries: an outage longer than that parks the notifier, and its probe resumes it.
      NOTIFY_RETRY_MAX_ATTEMPTS: '8',
      NOTIFY_PARK_PROBE_MS: '2000',
      NOTIFY_SWEEP_INTERVAL_MS: '10000',
      ...(temporal.uiUrl ? { TEMPORAL_UI_URL: temporal.uiUrl } : {}),
    };
    const apis = apiPorts.map(
      (port, i) =>
        new SynclineProcess(
          `api-${i + 1}`,
          'src/api/main.ts',
          { ...procEnv, API_PORT: String(port), API_HOST: '127.0.0.1', API_OPS_PORT: '0' },
          `http://127.0.0.1:${port}`,
          path.join(dir, `api-${i + 1}.log`),
        ),
    );
    const workers = Array.from(
      { length: o.workers },
      (_, i) =>
        new SynclineProcess(
          `worker-${i + 1}`,
          'src/worker/main.ts',
          procEnv,
          undefined,
          path.join(dir, `worker-${i + 1}.log`),
        ),
    );
    for (const p of [...workers, ...apis]) stops.push([p.name, () => p.kill('SIGTERM')]);
    await Promise.all([...workers, ...apis].map((p) => p.startSupervised()));

    let phase = 'streaming';
    const pg0 = new pg.Pool({ connectionString: dbUrl.toString(), max: 2 });
    // A PostgreSQL restart (cluster mode) ends idle sessions; unhandled, that error would end this process.
    pg0.on('error', () => undefined);
    stops.push(['verifier pool', () => pg0.end()]);
    const backfilled = async () =>
      Number(
        (
          await pg0.query<{ n: string }>(
            'SELECT coalesce(sum(records_changed), 0) AS n FROM reconcile_runs WHERE connection_id = $1',
            [connId],
          )
        ).rows[0]?.n ?? 0,
      );
    const ticker = setInterval(() => {
      if (!hooks.progress) return;
      void Promise.all([statusCounts(rt.db, connId), backfilled()]).then(
        ([st, rec]) =>
          hooks.progress?.({
            phase,
            elapsedS: Math.round((Date.now() - started) / 1000),
            changes: partner.stats.changes,
            total: o.changes,
            sent: partner.stats.attempts,
            acked: partner.stats.acked + partner.stats.duplicates,
            processed: st.processed ?? 0,
            parked: st.parked ?? 0,
            reconciled: rec,
          }),
        () => undefined,
      );
    }, 1_000);
    stops.push(['ticker', async () => clearInterval(ticker)]);

    // The chaos schedule: fractions of the stream at which something breaks, each healed by itself.
    const chaosLog: string[] = [];
    const at = (what: string, run: () => Promise<void>) => async () => {
      const t = Math.round((Date.now() - started) / 1000);
      say(`chaos: t+${t}s ${what}`);
      chaosLog.push(what);
      await run();
    };
    const schedule: Array<[number, () => Promise<void>]> = !o.kills
      ? []
      : [
          [0.12, at('SIGKILL api-1, restart after 3 s', () => apis[0]!.crashAndRestart(3_000))],
          [0.24, at('SIGKILL worker-1, restart after 3 s', () => workers[0]!.crashAndRestart(3_000))],
          [
            0.38,
            at('PostgreSQL unreachable for 8 s', async () => {
              proxy.cut();
              await sleep(8_000);
              proxy.restore();
            }),
          ],
          // The dev server's one kill at 0.52; the cluster's history, matching, frontend and PostgreSQL from 0.44.
          ...temporal.faults.map((f, i, all): [number, () => Promise<void>] => [
            all.length === 1 ? 0.52 : 0.44 + 0.06 * i,
            at(f.what, f.run),
          ]),
          [
            0.66,
            at(
              'partner API down (503) and the product endpoint down (503) for 6 s, product flaky for 4 s more',
              async () => {
                partner.apiFaults.outage(6_000);
                product.failNext(Infinity);
                await sleep(6_000);
                product.failNext(3);
                await sleep(4_000);
              },
            ),
          ],
          [
            0.8,
            at(`SIGKILL ${apis.at(-1)!.name} and ${workers.at(-1)!.name}, restart after 3 s`, () =>
              Promise.all([apis.at(-1)!.crashAndRestart(3_000), workers.at(-1)!.crashAndRestart(3_000)]).then(
                () => undefined,
              ),
            ),
          ],
        ];
    let streamed = 0;
    // The operator fault runs beside the kills: an engineer does not wait for an outage to end.
    const operatorActions: Record<string, number> = {};
    const operatorDone = (async () => {
      for (const a of planOperatorActions(o.seed, o.faults.operator)) {
        while (streamed < a.at * o.changes) await sleep(100);
        const t = Math.round((Date.now() - started) / 1000);
        try {
          const target = await performOperatorAction(client, taskQueue, a);
          if (!target) continue;
          operatorActions[a.action] = (operatorActions[a.action] ?? 0) + 1;
          chaosLog.push(`operator ${a.action}`);
          say(`chaos: t+${t}s operator ${a.action} ${target}`);
        } catch (err) {
          // Temporal may be down (a kill) or the run may have just ended: the engineer's click failed.
          say(`chaos: t+${t}s operator ${a.action} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    })();
    // One fault at a time, CHAOS_GAP_MS apart, each no earlier than its point in the stream: short runs get every fault too.
    let chaosError: unknown;
    const chaosDone = (async () => {
      for (const [fraction, act] of schedule) {
        while (streamed < fraction * o.changes) await sleep(100);
        await act();
        await sleep(CHAOS_GAP_MS);
      }
    })().catch((err: unknown) => void (chaosError = err));

    const planner = new DeliveryPlanner(o.seed, o.faults.delivery, o.changes);
    const rotateAt = Math.floor(o.changes * o.faults.delivery.rotateAt);
    const retireAt = Math.floor(o.changes * o.faults.delivery.retireOldSecretAt);
    const intervalMs = 1000 / o.ratePerSec;
    // The overload burst (issue 20 §5): a stretch of the stream at burst.factor x the paced rate.
    const burstFrom = o.burst ? Math.floor(o.changes * o.burst.at) : -1;
    const burstTo = o.burst ? burstFrom + Math.max(1, Math.floor(o.changes * o.burst.share)) : -1;
    let nextAt = Date.now();
    for (let i = 0; i < o.changes; i++) {
      streamed = i;
      if (o.burst && i === burstFrom) {
        const t = Math.round((Date.now() - started) / 1000);
        const what = `burst: changes ${burstFrom}-${burstTo - 1} at ${o.burst.factor}x the rate (${o.ratePerSec * o.burst.factor}/s)`;
        say(`chaos: t+${t}s ${what}`);
        chaosLog.push(what);
      }
      if (i === rotateAt) {
        // The connection learns the new secret before the partner signs with it (CONNECTION_CACHE_TTL_MS later).
        await retrying(() => rt.connections.setSigningSecrets(connId, (s) => [...s, newSecret]));
        await sleep(CACHE_TTL_MS * 3);
        partner.secret = newSecret;
        chaosLog.push(`secret rotated at change ${i}`);
      }
      if (i === retireAt) {
        await retrying(() => rt.connections.setSigningSecrets(connId, (s) => s.filter((x) => x !== oldSecret)));
        chaosLog.push(`old secret retired at change ${i}`);
      }
      const plan = planner.next();
      partner.apply(plan);
      if (plan.paced) {
        nextAt += i >= burstFrom && i < burstTo ? intervalMs / o.burst!.factor : intervalMs;
        if (nextAt > Date.now()) await sleep(nextAt - Date.now());
      }
      // Bounded memory at any scale: at most a few thousand deliveries in flight.
      while (partner.pending > 3_000) await sleep(50);
    }
    streamed = o.changes;
    phase = 'draining partner retries';
    await chaosDone;
    await operatorDone;
    if (chaosError) throw chaosError;
    await partner.drain();
    // How long the settle waits may go without any progress (not how long they may take).
    const settleMs = 120_000 + o.changes * 30;
    phase = 'settling';
    // 'received': a row a duplicate's count created before its run recorded it (thin ack).
    const unfinished = (st: Record<string, number>) => (st.received ?? 0) + (st.accepted ?? 0);
    const closedCount = (st: Record<string, number>) => CLOSED_FROM_OUTSIDE.reduce((n, s) => n + (st[s] ?? 0), 0);
    const operator = new OperatorService(rt.db, client, { uiUrl: temporal.uiUrl, namespace: 'default' });
    // What the operator fault left: the sweep settles rows of closed runs (and creates missing ones), and
    // the operator replays each, as docs/web-ui.md tells an engineer to. At most every 5 s.
    let lastSettle = 0;
    let replayedClosed = 0;
    const settleClosed = async () => {
      if (Date.now() - lastSettle < 5_000) return;
      lastSettle = Date.now();
      await client.workflow.execute(sweepClosedWorkflows, {
        taskQueue,
        workflowId: `chaos-sweep-${Date.now()}`,
        args: [{ graceMs: 0, connectionIds: [connId] }],
      });
      const closed = await rt.db.webhookEvent.findMany({
        where: { connectionId: connId, status: { in: [...CLOSED_FROM_OUTSIDE] } },
        select: { eventId: true },
      });
      for (const e of closed) {
        await operator.replay(
          connId,
          e.eventId,
          { by: 'chaos-operator', reason: 'closed from the Web UI' },
          { wait: false },
        );
        replayedClosed += 1;
      }
    };
    // Settled: no row open or closed from outside, and no event of the connection still waiting in the
    // overflow inbox (an event waiting there may have no row yet). Progress is any change of those counts.
    const settled = async () => {
      await settleClosed();
      const st = await statusCounts(rt.db, connId);
      const waiting = (await inboxEventIds(rt.db, connId)).length;
      return {
        done: unfinished(st) + closedCount(st) + waiting === 0,
        progress: JSON.stringify({ ...st, inbox: waiting }),
      };
    };
    await waitWhileProgressing('accepted events to finish', settleMs, settled);

    phase = 'reconciling';
    const reconcile = reconcileServiceFor(client, rt, taskQueue);
    await retrying(async () => (await reconcile.runNow(connId, 'incremental')).result(), 5);

    phase = 'operator replays parked events';
    let replayed = 0;
    // Each round waits for every event in flight (replays included) to settle before it counts what
    // is parked: a replay can meet a partner fault again and park anew, and is then replayed again.
    for (let round = 0; round < 10; round++) {
      await waitWhileProgressing('events in flight to finish', settleMs, settled).catch(() => undefined);
      if (((await retrying(() => statusCounts(rt.db, connId))).parked ?? 0) === 0) break;
      const actionsBefore = await retrying(() =>
        rt.db.operatorAction.count({ where: { connectionId: connId, action: 'replay' } }),
      );
      const r = await retrying(() =>
        operator.bulk({
          action: 'replay',
          filter: { connectionId: connId, status: 'parked' },
          by: 'chaos-operator',
          reason: 'partner recovered',
          dryRun: false,
        }),
      );
      replayed += r.acted;
      // A signalled run records its replay (row back to 'accepted') before it fetches again.
      await waitUntil(
        'replays to be taken up',
        30_000,
        async () =>
          (await rt.db.operatorAction.count({ where: { connectionId: connId, action: 'replay' } })) >=
          actionsBefore + r.acted,
      ).catch(() => undefined);
    }
    // A last incremental run: anything a late write changed is caught, and it must find nothing stale.
    await retrying(async () => (await reconcile.runNow(connId, 'incremental')).result(), 5);

    phase = 'waiting for the product to catch up';
    await waitUntil('the product to be notified of every change', settleMs, () =>
      productCaughtUp(rt.db, connId, product),
    ).catch(() => undefined);

    phase = 'verifying';
    const verdict = await retrying(() => verify(rt.db, connId, partner));
    const productVerdict = await retrying(() => verifyProduct(rt.db, connId, product));
    const summary: ChaosSummary = {
      seed: o.seed,
      changes: o.changes,
      objects: partner.store.all().length,
      durationMs: Date.now() - started,
      partner: partner.stats,
      apiFaults: partner.apiFaults.counts,
      chaos: chaosLog,
      parkedEver: verdict.parkedEver,
      replayedByOperator: replayed,
      operatorActions,
      replayedAfterClose: replayedClosed,
      backfilled: await retrying(backfilled),
      alerts: alertSink.alerts,
      verdict,
      product: productVerdict,
      naive: naive ? await retrying(() => naive.compare(partner.store.all())) : null,
    };
    clearInterval(ticker);
    const table = renderSummary(summary);
    const problems = [...failures(verdict), ...productFailures(productVerdict)];
    if (problems.length > 0) {
      say(
        `${table}\n\nCHAOS RUN FAILED (seed ${o.seed}): ${problems.join('; ')}\n  ${verdict.samples.join('\n  ')}\n  replay: ${replayCommand(o)}\n  kept for inspection: database ${dbUrl.pathname.slice(1)}, ${dir}`,
      );
      for (const p of [...apis, ...workers])
        if (p.output().trim()) say(`--- ${p.name} (last output) ---\n${p.output().slice(-1_500)}`);
      throw new ChaosMismatchError(summary, problems, replayCommand(o));
    }
    // unshift: after everything else has stopped (teardown runs the list backwards).
    if (o.dropDatabase)
      stops.unshift(['run data', async () => (o.cluster ? temporal.discard() : dropDatabase(dbUrl.toString()))]);
    return { summary, table, uiUrl: temporal.uiUrl, connectionId: connId, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}

async function dropDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
}
