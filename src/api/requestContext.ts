// Request correlation: every request carries an id, taken from the caller's
// X-Request-Id when it is a plausible id (bounded, no spaces or control
// characters: it ends up in our logs) or generated, and echoed in the
// response. Handlers log through `res.locals.log`, a child logger that already
// carries the id, so every line of one request can be found together.
import crypto from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../infra/log';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const PLAUSIBLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get(REQUEST_ID_HEADER);
    const requestId = given && PLAUSIBLE_ID.test(given) ? given : crypto.randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.locals.requestId = requestId;
    res.locals.log = log.child({ requestId });
    next();
  };
}

/** The request's logger (with its request id and whatever a route added), or `fallback` outside a request. */
export function requestLog(res: Response, fallback: Logger): Logger {
  return (res.locals.log as Logger | undefined) ?? fallback;
}
