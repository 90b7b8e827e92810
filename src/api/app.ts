// The HTTP surface: webhooks (authenticated by signature only), health and
// readiness. Built from its dependencies so tests run it in-process.
import express, { type Express } from 'express';
import type { Logger } from '../infra/log';
import type { Router } from 'express';
import type { OperatorService } from '../operator/operatorService';
import { metricsHandler } from '../metrics/httpMetrics';
import { requestContext } from './requestContext';
import { adminRouter } from './admin';
import { errorHandler } from './errorAnswers';
import { healthRouter } from './health';
import { webhookRouter, type WebhookRouteDeps } from './webhooks';

export interface AppDeps extends WebhookRouteDeps {
  log: Logger;
  retryAfterSec: number;
  /** Resolves when Temporal and the database are reachable and migrations applied; rejects with the reason. */
  ready: () => Promise<void>;
  admin: { token?: string; operator: OperatorService; extra?: Router[] };
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContext());
  app.use(healthRouter(deps.ready));
  app.get('/metrics', metricsHandler(deps.metrics.registry));
  app.use(webhookRouter(deps));
  app.use(adminRouter(deps.admin));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(deps.log, deps.retryAfterSec));
  return app;
}
