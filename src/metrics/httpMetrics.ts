// HTTP side of metrics: the /metrics handler and the per-delivery webhook
// observer. The observer records once, when the response closes, from what
// the route left in res.locals: the connection (for its connector), the
// receiver's outcome (accepted / duplicate) or the error map's code.
import type { RequestHandler, Response } from 'express';
import type { Registry } from 'prom-client';
import { ackClass, type Metrics } from './metricsRegistry';

export function metricsHandler(registry: Registry, extra?: () => Promise<string>): RequestHandler {
  return (_req, res, next) => {
    Promise.all([registry.metrics(), extra ? extra() : Promise.resolve('')])
      .then(([ours, theirs]) => {
        res.setHeader('Content-Type', registry.contentType);
        res.send(theirs ? `${ours}\n${theirs}` : ours);
      })
      .catch(next);
  };
}

export function observeWebhook(metrics: Metrics, res: Response): void {
  const started = process.hrtime.bigint();
  res.once('close', () => {
    const connector = (res.locals.connection as { connector?: string } | undefined)?.connector ?? 'unknown';
    const outcome =
      (res.locals.webhookOutcome as string | undefined) ??
      (res.locals.errorCode as string | undefined) ??
      (res.writableFinished ? `http_${res.statusCode}` : 'aborted');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.webhooksReceived.inc({ connector, outcome });
    metrics.ackLatency.observe({ connector, outcome: ackClass(res.statusCode, outcome) }, seconds);
  });
}
