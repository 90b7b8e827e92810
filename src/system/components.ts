// Starts the two long-running parts, the worker and the HTTP API, on top of an
// open Runtime. Both return a `stop()` that drains before it resolves.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { AlertGroups } from '../alerts/grouping';
import { WebhookAlerter } from '../alerts/webhookAlerter';
import { createApp } from '../api/app';
import { EventStore } from '../ingest/eventStore';
import { EventStarter } from '../ingest/starter';
import { pendingMigrations } from '../db/migrate';
import { OperatorService } from '../operator/service';
import type { TemporalTarget } from '../temporal/connection';
import { connectWorker } from '../temporal/connection';
import { createWorker } from '../worker/createWorker';
import { installTemporalLogging } from '../temporal/runtimeLogging';
import type { Runtime } from './runtime';

export interface Running {
  stop(): Promise<void>;
}

export interface WorkerRunOptions {
  workflowBundlePath?: string;
  taskQueue?: string;
  /** Temporal Web UI base for links in alerts (TEMPORAL_UI_URL wins). */
  uiUrl?: string;
}

export interface RunningWorker extends Running {
  alerter: WebhookAlerter;
}

export async function runWorker(rt: Runtime, target: TemporalTarget, opts: WorkerRunOptions = {}): Promise<RunningWorker> {
  installTemporalLogging(rt.log);
  const env = rt.env;
  const connection = await connectWorker(target);
  const clientConnection = await Connection.connect({ address: target.address, tls: target.tls || undefined, apiKey: target.apiKey });
  const temporal = new Client({ connection: clientConnection, namespace: target.namespace });
  const alerter = new WebhookAlerter({ groups: new AlertGroups(rt.db, env.ALERT_GROUP_WINDOW_MS), log: rt.log, url: env.ALERT_WEBHOOK_URL });
  const worker = await createWorker({
    connection,
    namespace: target.namespace,
    taskQueue: opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE,
    deps: { db: rt.db, connections: rt.connections, http: fetch, alerter, temporal, links: { uiUrl: env.TEMPORAL_UI_URL ?? opts.uiUrl, namespace: target.namespace } },
    workflowBundlePath: opts.workflowBundlePath,
  });
  const running = worker.run();
  // Grouped alerts are summarised when their window closes; any worker may do it (rows are claimed).
  const flusher = setInterval(() => {
    alerter.flush().catch((err: Error) => rt.log.error({ event: 'alert.flush_failed', reason: err.message }, 'alert summary failed'));
  }, env.ALERT_FLUSH_INTERVAL_MS);
  flusher.unref();
  rt.log.info({ event: 'worker.started', taskQueue: opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE }, 'worker started');
  return {
    alerter,
    async stop() {
      clearInterval(flusher);
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
    },
  };
}

export interface RunningApi extends Running {
  url: string;
  client: Client;
}

export async function runApi(rt: Runtime, target: TemporalTarget, opts: { port?: number; host?: string; taskQueue?: string; uiUrl?: string } = {}): Promise<RunningApi> {
  // Lazy: the API starts (and answers 503) even while Temporal is down, and reconnects by itself.
  const connection = Connection.lazy({ address: target.address, tls: target.tls || undefined, apiKey: target.apiKey });
  const client = new Client({ connection, namespace: target.namespace });
  const env = rt.env;
  const app = createApp({
    log: rt.log,
    connections: rt.connections,
    events: new EventStore(rt.db),
    starter: new EventStarter(client, opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE, env.ACK_TIMEOUT_MS),
    nowMs: Date.now,
    inlinePayloadMaxBytes: env.PAYLOAD_INLINE_MAX_BYTES,
    bodyLimitBytes: env.WEBHOOK_BODY_LIMIT_BYTES,
    retryAfterSec: env.RETRY_AFTER_SEC,
    admin: { token: env.ADMIN_TOKEN, operator: new OperatorService(rt.db, client, { uiUrl: env.TEMPORAL_UI_URL ?? opts.uiUrl, namespace: target.namespace }) },
    ready: async () => {
      await rt.db.$queryRaw`SELECT 1`;
      const pending = await pendingMigrations(rt.database.url);
      if (pending.length > 0) throw new Error(`migrations pending: ${pending.join(', ')}`);
      await client.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
    },
  });
  const server = http.createServer(app);
  // Partners give 1-10 s; a client that dribbles its request for longer is cut off.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? env.API_PORT, opts.host ?? env.API_HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  rt.log.info({ event: 'api.started', url }, 'API listening');
  return {
    url,
    client,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await connection.close();
    },
  };
}
