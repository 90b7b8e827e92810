// Starts the HTTP API on top of an open Runtime, on two listeners: the webhook
// port (API_HOST:API_PORT: /webhooks/*, /healthz) and the ops port
// (API_OPS_HOST:API_OPS_PORT: /healthz, /readyz, /metrics, the admin API). It
// reaches Temporal lazily, so it starts (and answers 503) while Temporal is
// down. `stop()` drains before it resolves: stop accepting, finish open
// requests, flush delivery bookkeeping.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { migrationNames } from '../db/migrate';
import { DeliveryRecorder } from '../ingest/deliveryRecorder';
import { sealInput } from '../crypto/inputSeal';
import { ReplayGuard } from '../ingest/replayGuard';
import { EventStarter } from '../ingest/starter';
import { ConnectionRateLimiter } from '../ingest/rateLimit';
import { AdmissionLimiter } from '../ingest/admission';
import { InboxRelay } from '../ingest/inboxRelay';
import { OverloadGate } from '../ingest/overloadGate';
import { inboxStats, insertInboxEntry } from '../store/webhookInbox';
import { OperatorService } from '../operator/operatorService';
import { reconcileServiceFor } from '../reconcile';
import { RecordsFeed } from '../records/recordsFeed';
import { cachedReadiness, databaseProbe, migrationsProbe, readiness, temporalProbe } from '../system/readiness';
import { processMetrics, type Running, type Runtime } from '../system/runtime';
import { connectionOptions, type TemporalTarget } from '../temporal/connection';
import { temporalDataConverter } from '../temporal/dataConverter';
import { adminNotificationsRouter } from './adminNotifications';
import { adminReconcileRouter } from './adminReconcile';
import { clientTracingInterceptors } from '../tracing/temporalTracing';
import { codecOrigins } from './codecServer';
import { createApp, createOpsApp } from './app';

export interface RunningApi extends Running {
  /** The webhook port. */
  url: string;
  /** The ops port: /readyz, /metrics, /admin, /codec. */
  opsUrl: string;
  client: Client;
  /** This process's admission limiter (ops and tests read it; tests hold its permits to force overload). */
  admission: AdmissionLimiter;
}

export interface ApiOptions {
  port?: number;
  host?: string;
  /** The ops listener; unset = API_OPS_PORT (or API_PORT + 1 when that is unset too; 0 = any free port). */
  opsPort?: number;
  opsHost?: string;
  taskQueue?: string;
  uiUrl?: string;
}

async function listen(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return `http://${address.address}:${address.port}`;
}

async function close(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}

export async function runApi(rt: Runtime, target: TemporalTarget, opts: ApiOptions = {}): Promise<RunningApi> {
  // Lazy: the API starts (and answers 503) even while Temporal is down, and reconnects by itself.
  const connection = Connection.lazy(connectionOptions(target));
  const client = new Client({
    connection,
    namespace: target.namespace,
    interceptors: clientTracingInterceptors(rt.tracing),
    dataConverter: temporalDataConverter(rt.codec),
  });
  const env = rt.env;
  const probe = temporalProbe(target, env.READINESS_TIMEOUT_MS);
  const events = new DeliveryRecorder(rt.db, (err, what, count) =>
    rt.log.warn(
      { event: 'webhook.bookkeeping_failed', what, count, reason: err.message },
      'could not write delivery bookkeeping; will retry',
    ),
  );
  const metrics = processMetrics(rt);
  const taskQueue = opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE;
  const starter = new EventStarter(client, taskQueue, env.ACK_TIMEOUT_MS);
  // One limiter per process, shared by the direct path and the inbox relay (issue 20).
  const limiter = new AdmissionLimiter(
    {
      initialLimit: env.ADMISSION_INITIAL_LIMIT,
      minLimit: env.ADMISSION_MIN_LIMIT,
      maxLimit: Math.max(env.ADMISSION_MIN_LIMIT, env.ADMISSION_MAX_LIMIT),
      ackDeadlineMs: env.ACK_TIMEOUT_MS,
    },
    Date.now,
  );
  metrics.setAdmissionSource(() => ({ limit: limiter.limit, inFlight: limiter.inFlight }));
  metrics.setInboxStatsSource(() => inboxStats(rt.db));
  const relay = new InboxRelay({
    db: rt.db,
    // Same workflow id, policies and input as the direct path; only the deadline differs (no partner waits).
    starter: new EventStarter(client, taskQueue, env.INBOX_RELAY_START_TIMEOUT_MS),
    limiter,
    taskQueue,
    log: rt.log,
    markAccepted: (rowId) => events.markAccepted(rowId),
    relayed: () => metrics.inboxRelayed.inc(),
    opts: { leaseMs: env.INBOX_RELAY_LEASE_MS, idleMs: env.INBOX_RELAY_IDLE_MS, batchMax: env.INBOX_RELAY_BATCH },
  });
  const gate = new OverloadGate({
    mode: env.OVERLOAD_MODE,
    starter,
    limiter,
    enqueue: async (entry) => {
      const wrote = await insertInboxEntry(rt.db, entry);
      relay.noteQueued();
      return wrote;
    },
    backlog: () => relay.backlog,
    taskQueue,
    counters: {
      shed: () => metrics.admissionShed.inc(),
      overflowed: (reason) => metrics.inboxOverflowed.inc({ reason }),
    },
    maxRetryAfterSec: env.RETRY_AFTER_SEC,
    nowMs: Date.now,
  });
  const app = createApp({
    log: rt.log,
    traced: rt.tracing !== undefined,
    connections: rt.connections,
    events,
    starter: gate,
    nowMs: Date.now,
    seal: (fields) => sealInput(rt.box, fields),
    inlinePayloadMaxBytes: env.PAYLOAD_INLINE_MAX_BYTES,
    bodyLimitBytes: env.WEBHOOK_BODY_LIMIT_BYTES,
    retryAfterSec: env.RETRY_AFTER_SEC,
    metrics,
    replayGuard: new ReplayGuard({ windowMs: env.WEBHOOK_REPLAY_WINDOW_SEC * 1000 }),
    rateLimiter: new ConnectionRateLimiter({
      ratePerSec: env.WEBHOOK_RATE_LIMIT_PER_SEC,
      burst: env.WEBHOOK_RATE_LIMIT_BURST,
    }),
  });
  const opsApp = createOpsApp({
    log: rt.log,
    retryAfterSec: env.RETRY_AFTER_SEC,
    metrics,
    admin: {
      token: env.ADMIN_TOKEN,
      operator: new OperatorService(rt.db, client, {
        uiUrl: env.TEMPORAL_UI_URL ?? opts.uiUrl,
        namespace: target.namespace,
      }),
      extra: [
        adminReconcileRouter(reconcileServiceFor(client, rt, opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE)),
        adminNotificationsRouter({
          env,
          db: rt.db,
          connections: rt.connections,
          temporal: client,
          taskQueue: opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE,
        }),
      ],
    },
    codec: {
      codec: rt.codec,
      token: env.CODEC_TOKEN ?? env.ADMIN_TOKEN,
      origins: codecOrigins(env.CODEC_CORS_ORIGINS, env.TEMPORAL_UI_URL ?? opts.uiUrl),
    },
    records: { keys: env.PRODUCT_API_KEYS, feed: new RecordsFeed(rt.db) },
    ready: cachedReadiness(
      readiness([databaseProbe(rt.db), migrationsProbe(rt.db, migrationNames()), probe], env.READINESS_TIMEOUT_MS),
      env.READINESS_CACHE_MS,
    ),
  });
  const server = http.createServer(app);
  // Partners give 1-10 s; a client that dribbles its request for longer is cut off.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  const opsServer = http.createServer(opsApp);
  opsServer.requestTimeout = 15_000;
  opsServer.headersTimeout = 10_000;
  const port = opts.port ?? env.API_PORT;
  const opsPort = opts.opsPort ?? env.API_OPS_PORT ?? (port === 0 ? 0 : port + 1);
  const url = await listen(server, port, opts.host ?? env.API_HOST);
  const opsUrl = await listen(opsServer, opsPort, opts.opsHost ?? env.API_OPS_HOST).catch(async (err: unknown) => {
    await close(server);
    throw err;
  });
  relay.start();
  rt.log.info({ event: 'api.started', url, opsUrl, overloadMode: env.OVERLOAD_MODE }, 'API listening');
  return {
    url,
    opsUrl,
    client,
    admission: limiter,
    async stop() {
      await Promise.all([close(server), close(opsServer)]);
      await relay.stop();
      await events.flush();
      await connection.close();
      await probe.close();
    },
  };
}
