// The single map from error to HTTP answer: syncline's errors answer what
// their class's meaning says (src/errors); body-parser's errors are mapped
// here; another error carrying a 4xx status (Express's URIError for a bad
// percent-encoding in the path, say) is answered with it; anything else is a 500. Bodies carry a short, stable code and never
// echo secrets, signatures or payloads.
import http from 'node:http';
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../infra/log';
import { meaningOf } from '../errors';
import { type HttpAnswer, SynclineError } from '../errors/meaning';
import { requestLog } from './requestContext';

type Answer = HttpAnswer;

/** Every syncline error with an HTTP answer, by type name (each class declares it: src/errors). */
function ownAnswer(err: Error): Answer | undefined {
  const http = meaningOf(err)?.http;
  if (!http) return undefined;
  const code = err instanceof SynclineError ? (err.httpCode() ?? http.code) : http.code;
  return { ...http, code };
}

/** body-parser's error types, by `type`. */
const BODY_PARSER: Record<string, Answer> = {
  'entity.too.large': { status: 413, code: 'payload_too_large' },
  'encoding.unsupported': { status: 415, code: 'unsupported_content_encoding' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset' },
  'request.aborted': { status: 400, code: 'request_aborted' },
  'request.size.invalid': { status: 400, code: 'request_size_invalid' },
  'entity.verify.failed': { status: 400, code: 'malformed_body' },
  // express.json on the admin API (webhooks are read raw and parsed by the connector).
  'entity.parse.failed': { status: 400, code: 'malformed_body' },
};

/** The 4xx status an error says it is (`status` or `statusCode`, as http-errors and Express set them). */
function clientStatus(e: { status?: unknown; statusCode?: unknown }): number | undefined {
  const s = e?.status ?? e?.statusCode;
  return typeof s === 'number' && Number.isInteger(s) && s >= 400 && s < 500 ? s : undefined;
}

const snake = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '_');

export function answerFor(err: unknown): Answer {
  const e = err as Error & { type?: string };
  if (e && typeof e.type === 'string' && BODY_PARSER[e.type]) return BODY_PARSER[e.type]!;
  const own = e instanceof Error ? ownAnswer(e) : undefined;
  if (own) return own;
  // Only errors from the HTTP stack: a syncline error's `status` may be the partner's (PartnerPermanentError).
  const status = e instanceof SynclineError ? undefined : clientStatus(e as { status?: unknown; statusCode?: unknown });
  if (status) return { status, code: snake(http.STATUS_CODES[status] ?? 'bad_request') };
  return { status: 500, code: 'internal_error' };
}

export function sendError(res: Response, err: unknown, retryAfterSec: number): void {
  const a = answerFor(err);
  if (a.retryAfter) res.setHeader('Retry-After', String(retryAfterSec));
  // An error that knows when to come back (RateLimitedError) says so itself.
  const own = (err as { retryAfterSec?: unknown })?.retryAfterSec;
  if (typeof own === 'number' && own > 0) res.setHeader('Retry-After', String(Math.ceil(own)));
  if (a.status === 401 && a.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(a.status).json(a.expose ? { error: a.code, message: (err as Error).message } : { error: a.code });
}

export function errorHandler(log: Logger, retryAfterSec: number): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const a = answerFor(err);
    const level = a.status >= 500 ? 'error' : 'info';
    res.locals.errorCode = a.code;
    requestLog(res, log)[level](
      { event: 'http.rejected', path: req.path, status: a.status, code: a.code, reason: (err as Error)?.message },
      'request rejected',
    );
    if (res.headersSent) return;
    sendError(res, err, retryAfterSec);
  };
}
