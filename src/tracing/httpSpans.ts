// HTTP spans, written for syncline's two HTTP edges instead of the generic
// auto-instrumentations (which patch `http` for every request of the process):
// - the webhook receipt: a SERVER span per POST /webhooks/:connectionId, the
//   root of the delivery's trace. An incoming `traceparent` is not followed: a
//   partner (or anyone who can reach the port) does not get to join our traces.
// - the partner call: a CLIENT span around each fetch the connectors make. No
//   `traceparent` is sent to partners, and the URL's query is never recorded.
// Attributes are identities (connection id, event id, host, status), never
// bodies, headers or secrets.
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler, Response } from 'express';

const TRACER = 'syncline';
const WEBHOOK_ROUTE = '/webhooks/:connectionId';

/** Opens the receipt span; it ends when the answer has been sent. Registered only when tracing is on. */
export const beginWebhookSpan: RequestHandler = (req, res, next) => {
  const span = trace.getTracer(TRACER).startSpan(`${req.method} ${WEBHOOK_ROUTE}`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': req.method, 'http.route': WEBHOOK_ROUTE },
  });
  res.locals.traceSpan = span;
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  next();
};

/**
 * Runs the delivery's work inside its receipt span. Express hands the request from middleware to
 * middleware through stream events, which do not carry the async context; this puts it back.
 */
export function inWebhookSpan<T>(res: Response, fn: () => Promise<T>): Promise<T> {
  const span = res.locals.traceSpan as Span | undefined;
  if (!span) return fn();
  const connectionId = (res.locals.connection as { id?: string } | undefined)?.id;
  if (connectionId) span.setAttribute('syncline.connection_id', connectionId);
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** The delivery's event id and outcome, once known. */
export function noteWebhookResult(res: Response, eventId: string | null | undefined, outcome: string): void {
  const span = res.locals.traceSpan as Span | undefined;
  if (!span) return;
  if (eventId) span.setAttribute('syncline.event_id', eventId);
  span.setAttribute('syncline.webhook.outcome', outcome);
}

/** `fetch` with a CLIENT span around each call. */
export function tracedFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    return trace.getTracer(TRACER).startActiveSpan(
      method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          'server.address': url.hostname,
          'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
          'url.scheme': url.protocol.replace(':', ''),
          'url.path': url.pathname,
        },
      },
      async (span) => {
        try {
          const answer = await inner(input, init);
          span.setAttribute('http.response.status_code', answer.status);
          if (answer.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          return answer;
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  };
}
