// Request parsing and answering shared by the admin API's routers: bodies and
// query strings are checked with zod (400 invalid_request with the problems),
// and every answer is JSON with bigints (database ids, versions) as strings.
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { InvalidRequestError } from '../errors/operatorErrors';

export function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success)
    throw new InvalidRequestError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

const jsonSafe = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));

type Handler = (req: Request<Record<string, string>>) => Promise<unknown>;

/** An async handler whose result is the JSON answer; an action with nothing to report answers { ok: true }. */
export const route = (h: Handler) => (req: Request<Record<string, string>>, res: Response, next: NextFunction) => {
  h(req).then((body) => res.json(jsonSafe(body ?? { ok: true })), next);
};
