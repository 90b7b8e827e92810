// Bearer-token guard for the admin API. Both sides are hashed before the
// constant-time compare, so lengths always match and timing reveals nothing
// about the token. No token configured = the admin API does not exist (404).
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { AdminDisabledError, AdminUnauthorizedError } from '../errors/operatorErrors';

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

/** `what` names the surface in the answers (the codec server shares this guard). */
export function requireAdminToken(
  token: string | undefined,
  what = { disabled: 'admin API is disabled: set ADMIN_TOKEN', wrong: 'missing or wrong admin token' },
): RequestHandler {
  const expected = token ? digest(token) : undefined;
  return (req, _res, next) => {
    if (!expected) return next(new AdminDisabledError(what.disabled));
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    if (!match || !crypto.timingSafeEqual(digest(match[1]!), expected))
      return next(new AdminUnauthorizedError(what.wrong));
    next();
  };
}
