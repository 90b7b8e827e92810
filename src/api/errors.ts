// The single map from error class to HTTP answer. Bodies carry a short, stable
// code and never echo secrets, signatures or payloads.
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../infra/log';
import { requestLog } from './requestContext';

interface Answer {
  status: number;
  code: string;
  retryAfter?: boolean;
  /** Admin-only errors carry their message (the caller is authenticated; webhook senders never see one). */
  expose?: boolean;
}

const BY_NAME: Record<string, (err: Error & { code?: string }) => Answer> = {
  SignatureError: (e) => ({ status: 401, code: e.code ?? 'invalid_signature' }),
  UnknownConnectionError: () => ({ status: 404, code: 'unknown_connection' }),
  ConnectionDisabledError: () => ({ status: 404, code: 'connection_disabled' }),
  WebhooksNotSupportedError: () => ({ status: 404, code: 'webhooks_not_supported' }),
  UnsupportedMediaTypeError: () => ({ status: 415, code: 'unsupported_media_type' }),
  MalformedDeliveryError: () => ({ status: 400, code: 'malformed_body' }),
  PayloadTooLargeError: () => ({ status: 413, code: 'payload_too_large' }),
  StoreUnavailableError: () => ({ status: 503, code: 'database_unavailable', retryAfter: true }),
  ConnectionStoreUnavailableError: () => ({ status: 503, code: 'database_unavailable', retryAfter: true }),
  TemporalUnavailableError: () => ({ status: 503, code: 'temporal_unavailable', retryAfter: true }),
  AdminUnauthorizedError: () => ({ status: 401, code: 'unauthorized' }),
  AdminDisabledError: () => ({ status: 404, code: 'not_found' }),
  InvalidRequestError: () => ({ status: 400, code: 'invalid_request', expose: true }),
  InvalidFilterError: () => ({ status: 400, code: 'invalid_filter', expose: true }),
  EventNotFoundError: () => ({ status: 404, code: 'event_not_found', expose: true }),
  OperatorActionRejectedError: () => ({ status: 409, code: 'action_rejected', expose: true }),
  NoReconcileScheduleError: () => ({ status: 404, code: 'no_reconcile_schedule', expose: true }),
  NoBlockedRunError: () => ({ status: 404, code: 'no_blocked_run', expose: true }),
  InvalidReconcileSettingsError: () => ({ status: 400, code: 'invalid_reconcile_settings', expose: true }),
};

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

export function answerFor(err: unknown): Answer {
  const e = err as Error & { code?: string; type?: string };
  if (e && typeof e.type === 'string' && BODY_PARSER[e.type]) return BODY_PARSER[e.type]!;
  const byName = e && typeof e.name === 'string' ? BY_NAME[e.name] : undefined;
  if (byName) return byName(e);
  return { status: 500, code: 'internal_error' };
}

export function sendError(res: Response, err: unknown, retryAfterSec: number): void {
  const a = answerFor(err);
  if (a.retryAfter) res.setHeader('Retry-After', String(retryAfterSec));
  if (a.status === 401 && a.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(a.status).json(a.expose ? { error: a.code, message: (err as Error).message } : { error: a.code });
}

export function errorHandler(log: Logger, retryAfterSec: number): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const a = answerFor(err);
    const level = a.status >= 500 ? 'error' : 'info';
    res.locals.errorCode = a.code;
    requestLog(res, log)[level]({ event: 'http.rejected', path: req.path, status: a.status, code: a.code, reason: (err as Error)?.message }, 'request rejected');
    if (res.headersSent) return;
    sendError(res, err, retryAfterSec);
  };
}
