// Bearer-token guard for the admin API. Both sides are hashed before the
// constant-time compare, so lengths always match and timing reveals nothing
// about the token. No token configured = the admin API does not exist (404).
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { AdminDisabledError, AdminUnauthorizedError } from '../errors/operatorErrors';

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

export function requireAdminToken(token: string | undefined): RequestHandler {
  const expected = token ? digest(token) : undefined;
  return (req, _res, next) => {
    if (!expected) return next(new AdminDisabledError('admin API is disabled: set ADMIN_TOKEN'));
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    if (!match || !crypto.timingSafeEqual(digest(match[1]!), expected))
      return next(new AdminUnauthorizedError('missing or wrong admin token'));
    next();
  };
}
