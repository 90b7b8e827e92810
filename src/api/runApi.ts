// Starts the HTTP API on top of an open Runtime: the webhook receiver, the
// admin API, /metrics, /healthz and /readyz. It reaches Temporal lazily, so it
// starts (and answers 503) while Temporal is down. `stop()` drains before it
// resolves: stop accepting, finish open requests, flush delivery bookkeeping.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { pendingMigrations } from '../db/migrate';
import { DeliveryRecorder } from '../ingest/deliveryRecorder';
import { sealInput } from '../crypto/inputSeal';
import { EventStarter } from '../ingest/starter';
import { OperatorService } from '../operator/operatorService';
import { reconcileServiceFor } from '../reconcile';
import { databaseProbe, readiness, temporalProbe } from '../system/readiness';
import { processMetrics, type Running, type Runtime } from '../system/runtime';
import type { TemporalTarget } from '../temporal/connection';
import { adminReconcileRouter } from './adminReconcile';
import { createApp } from './app';

export interface RunningApi extends Running {
  url: string;
  client: Client;
}

export async function runApi(
  rt: Runtime,
  target: TemporalTarget,
  opts: { port?: number; host?: string; taskQueue?: string; uiUrl?: string } = {},
): Promise<RunningApi> {
  // Lazy: the API starts (and answers 503) even while Temporal is down, and reconnects by itself.
  const connection = Connection.lazy({ address: target.address, tls: target.tls || undefined, apiKey: target.apiKey });
  const client = new Client({ connection, namespace: target.namespace });
  const env = rt.env;
  const probe = temporalProbe(target, env.READINESS_TIMEOUT_MS);
  const events = new DeliveryRecorder(rt.db, (err, what, count) =>
    rt.log.warn(
      { event: 'webhook.bookkeeping_failed', what, count, reason: err.message },
      'could not write delivery bookkeeping; will retry',
    ),
  );
  const app = createApp({
    log: rt.log,
    connections: rt.connections,
    events,
    starter: new EventStarter(client, opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE, env.ACK_TIMEOUT_MS),
    nowMs: Date.now,
    seal: (fields) => sealInput(rt.box, fields),
    inlinePayloadMaxBytes: env.PAYLOAD_INLINE_MAX_BYTES,
    bodyLimitBytes: env.WEBHOOK_BODY_LIMIT_BYTES,
    retryAfterSec: env.RETRY_AFTER_SEC,
    metrics: processMetrics(rt),
    admin: {
      token: env.ADMIN_TOKEN,
      operator: new OperatorService(rt.db, client, {
        uiUrl: env.TEMPORAL_UI_URL ?? opts.uiUrl,
        namespace: target.namespace,
      }),
      extra: [adminReconcileRouter(reconcileServiceFor(client, rt, opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE))],
    },
    ready: readiness(
      [
        databaseProbe(rt.db),
        {
          name: 'migrations',
          run: async () => {
            const pending = await pendingMigrations(rt.database.url);
            if (pending.length > 0) throw new Error(`pending: ${pending.join(', ')}`);
          },
        },
        probe,
      ],
      env.READINESS_TIMEOUT_MS,
    ),
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
      await events.flush();
      await connection.close();
      await probe.close();
    },
  };
}
