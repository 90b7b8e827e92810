// POST /webhooks/:connectionId. The connection is looked up before the body is
// read (unknown connections cost nothing), the body is read raw with a size
// limit, and everything else is receiveWebhook's job.
import express, { type RequestHandler, type Router } from 'express';
import type { ConnectionRepository } from '../connections/repository';
import { receiveWebhook, type ReceiveDeps } from '../ingest/receive';
import type { Logger } from '../infra/log';
import { observeWebhook } from '../metrics/httpMetrics';
import type { Metrics } from '../metrics/metricsRegistry';
import { addLogFields, requestLog } from './requestContext';
import { isConnectionId } from '../connections/input';
import { ConnectionDisabledError, PayloadTooLargeError } from '../errors/ingestErrors';
import { beginWebhookSpan, inWebhookSpan, noteWebhookResult } from '../tracing/httpSpans';

export interface WebhookRouteDeps extends ReceiveDeps {
  connections: ConnectionRepository;
  bodyLimitBytes: number;
  log: Logger;
  /** Counts deliveries by connector and outcome. */
  metrics: Metrics;
  /** Tracing is on: each delivery gets a receipt span, the root of its trace (src/tracing/httpSpans.ts). */
  traced?: boolean;
}

export function webhookRouter(deps: WebhookRouteDeps): Router {
  const router = express.Router();
  // Every log line of a delivery carries its connection id (and, once known, its event id).
  const observe: RequestHandler<{ connectionId: string }> = (req, res, next) => {
    // An id outside the connection-id format is answered 404 unlooked-up; it never reaches the logs whole.
    const id = req.params.connectionId;
    addLogFields(res, { connectionId: isConnectionId(id) ? id : `(malformed, ${id.length} chars)` });
    observeWebhook(deps.metrics, res);
    next();
  };
  const resolve: RequestHandler<{ connectionId: string }> = (req, res, next) => {
    deps.connections
      .get(req.params.connectionId)
      .then((conn) => {
        if (!conn.enabled) throw new ConnectionDisabledError(`connection ${conn.id} is disabled`);
        res.locals.connection = conn;
        next();
      })
      .catch(next);
  };
  // body-parser answers an oversized body only after reading all of it (to keep
  // the connection reusable), so a declared Content-Length over the limit would
  // hold the request open until the sender gives up. Refuse it before reading,
  // and close the connection rather than drain what was announced.
  const refuseDeclaredOversize: RequestHandler = (req, res, next) => {
    const declared = Number(req.headers['content-length']);
    if (!(declared > deps.bodyLimitBytes)) return next();
    res.setHeader('Connection', 'close');
    next(new PayloadTooLargeError(`declared body of ${declared} bytes is over the ${deps.bodyLimitBytes} byte limit`));
  };
  const raw = express.raw({ type: () => true, limit: deps.bodyLimitBytes });

  const tracing: RequestHandler[] = deps.traced ? [beginWebhookSpan] : [];
  router.post(
    '/webhooks/:connectionId',
    ...tracing,
    observe,
    resolve,
    refuseDeclaredOversize,
    raw,
    (req, res, next) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const started = process.hrtime.bigint();
      inWebhookSpan(res, () => receiveWebhook(deps, res.locals.connection, req.headers, rawBody))
        .then((result) => {
          const ackMs = Number(process.hrtime.bigint() - started) / 1e6;
          res.locals.webhookOutcome = result.status;
          noteWebhookResult(res, result.eventId, result.status);
          // Answer first: the sender is waiting, the log line is not.
          res.status(result.status === 'accepted' ? 202 : 200).json(result);
          const reason = result.status === 'ignored' ? result.reason : undefined;
          requestLog(res, deps.log).info(
            { event: `webhook.${result.status}`, eventId: result.eventId, ackMs, reason },
            'webhook acknowledged',
          );
        })
        .catch(next);
    },
  );
  return router;
}
