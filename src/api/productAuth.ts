// Bearer-key guard for the product's records API, separate from the admin
// token (a product never gets admin powers, an operator's token reads no data
// through it). Several keys may be configured so a key can be rotated. Each
// presented key is hashed and compared in constant time against EVERY
// configured key's hash (no early exit), so timing says nothing about the keys.
// No keys configured = the records API does not exist (404).
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { ProductUnauthorizedError, RecordsApiDisabledError } from '../errors/recordsErrors';

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

export function requireProductKey(keys: readonly string[]): RequestHandler {
  const expected = keys.map(digest);
  return (req, _res, next) => {
    if (expected.length === 0)
      return next(new RecordsApiDisabledError('records API is disabled: set PRODUCT_API_KEYS'));
    const match = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '');
    const presented = digest(match?.[1] ?? '');
    let ok = false;
    for (const e of expected) ok = crypto.timingSafeEqual(presented, e) || ok;
    if (!match || !ok) return next(new ProductUnauthorizedError('missing or wrong product API key'));
    next();
  };
}
