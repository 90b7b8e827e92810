// The HTTP surfaces, each built from its dependencies so tests run them in-process:
// - the webhook app (the public port): /webhooks/* (authenticated by signature only) and /healthz;
// - the ops app (a port of its own, loopback by default): /healthz, /readyz, /metrics, /admin, /codec
//   and the product's records API (/v1, src/api/productRecords.ts).
// /readyz touches the database and /metrics and /admin are for operators, so none of them is
// reachable from where partners (or anyone on the internet) send webhooks.
import express, { type Express } from 'express';
import type { Logger } from '../infra/log';
import type { Router } from 'express';
import type { OperatorService } from '../operator/operatorService';
import { metricsHandler } from '../metrics/httpMetrics';
import { requestContext } from './requestContext';
import { adminRouter } from './admin';
import { codecRouter, type CodecServerOptions } from './codecServer';
import type { RecordsFeed } from '../records/recordsFeed';
import { errorHandler } from './errorAnswers';
import { healthRouter, livenessRouter } from './health';
import { recordsRouter } from './productRecords';
import { webhookRouter, type WebhookRouteDeps } from './webhooks';

export interface AppDeps extends WebhookRouteDeps {
  log: Logger;
  retryAfterSec: number;
}

export interface OpsAppDeps {
  log: Logger;
  retryAfterSec: number;
  metrics: WebhookRouteDeps['metrics'];
  /** Resolves when Temporal and the database are reachable and migrations applied; rejects with the reason. */
  ready: () => Promise<void>;
  admin: { token?: string; operator: OperatorService; extra?: Router[] };
  /** The codec server (/codec/encode, /codec/decode) for the Temporal Web UI. */
  codec: CodecServerOptions;
  /** The product's records API (/v1), behind its own keys; no keys = 404. */
  records: { keys: readonly string[]; feed: RecordsFeed };
}

function finish(app: Express, log: Logger, retryAfterSec: number): Express {
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(log, retryAfterSec));
  return app;
}

function base(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContext());
  return app;
}

/** The public port: webhooks and liveness, nothing else. */
export function createApp(deps: AppDeps): Express {
  const app = base();
  app.use(livenessRouter());
  app.use(webhookRouter(deps));
  return finish(app, deps.log, deps.retryAfterSec);
}

/** The ops port: liveness, readiness, metrics, the admin API, the codec server and the records API. */
export function createOpsApp(deps: OpsAppDeps): Express {
  const app = base();
  app.use(healthRouter(deps.ready));
  app.get('/metrics', metricsHandler(deps.metrics.registry));
  app.use(adminRouter(deps.admin));
  app.use(codecRouter(deps.codec));
  app.use(recordsRouter(deps.records));
  return finish(app, deps.log, deps.retryAfterSec);
}
