// Request correlation: every request carries an id, taken from the caller's
// X-Request-Id when it is a plausible id (bounded, no spaces or control
// characters: it ends up in our logs) or generated, and echoed in the
// response. Handlers log through `requestLog(res, log)`, a child logger that
// carries the id, so every line of one request can be found together.
import crypto from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../infra/log';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const PLAUSIBLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const given = req.get(REQUEST_ID_HEADER);
    const requestId = given && PLAUSIBLE_ID.test(given) ? given : crypto.randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.locals.requestId = requestId;
    res.locals.logFields = { requestId };
    next();
  };
}

/** Adds fields every later log line of this request carries (before its first line is logged). */
export function addLogFields(res: Response, fields: Record<string, unknown>): void {
  res.locals.logFields = { ...(res.locals.logFields as Record<string, unknown> | undefined), ...fields };
}

/**
 * The request's logger: a child of `fallback` carrying the request id and
 * whatever a route added, made on first use (most requests that log, log once;
 * a child made up front for every request is CPU spent on the hot path for
 * nothing), or `fallback` itself outside a request.
 */
export function requestLog(res: Response, fallback: Logger): Logger {
  const made = res.locals.log as Logger | undefined;
  if (made) return made;
  const fields = res.locals.logFields as Record<string, unknown> | undefined;
  if (!fields) return fallback;
  const log = fallback.child(fields);
  res.locals.log = log;
  return log;
}
