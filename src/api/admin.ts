// The admin HTTP API: the ops CLI's event actions over HTTP, behind a bearer
// token. Routes:
//   GET  /admin/events?connection=&status=&limit=
//   GET  /admin/events/:connectionId/:eventId
//   POST /admin/events/:connectionId/:eventId/replay   { by?, reason? }
//   POST /admin/events/:connectionId/:eventId/skip     { by?, reason }
//   POST /admin/events/bulk  { action, dryRun, reason?, by?, filter: { connectionId, connector, eventType, since, until } }
// Extra routers (reconciliation) are mounted by the caller under /admin.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { OperatorService } from '../operator/service';
import { requireAdminToken } from './adminAuth';

export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

const listQuery = z.object({
  connection: z.string().optional(),
  status: z.string().optional(),
  limit: z.coerce.number().int().min(1).optional(),
});
const actionBody = z.object({ by: z.string().min(1).max(200).default('admin-api'), reason: z.string().max(2000).optional() });
const bulkBody = actionBody.extend({
  action: z.enum(['replay', 'skip']),
  dryRun: z.boolean().default(true),
  filter: z.object({
    connectionId: z.string().optional(),
    connector: z.string().optional(),
    eventType: z.string().optional(),
    since: z.coerce.date().optional(),
    until: z.coerce.date().optional(),
  }).default({}),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw new InvalidRequestError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

type Handler = (req: Request<Record<string, string>>, res: Response) => Promise<unknown>;
const route = (h: Handler) => (req: Request<Record<string, string>>, res: Response, next: NextFunction) => {
  h(req, res).then((body) => res.json(body), next);
};

const jsonSafe = (value: unknown) => JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));

export function adminRouter(opts: { token?: string; operator: OperatorService; extra?: Router[] }): Router {
  const router = express.Router();
  router.use('/admin', requireAdminToken(opts.token), express.json({ limit: '64kb' }));
  router.get('/admin/events', route(async (req) => {
    const q = parse(listQuery, req.query);
    return jsonSafe(await opts.operator.listEvents({ connectionId: q.connection, status: q.status, limit: q.limit }));
  }));
  router.post('/admin/events/bulk', route(async (req) => opts.operator.bulk(parse(bulkBody, req.body))));
  router.get('/admin/events/:connectionId/:eventId', route(async (req) => jsonSafe(await opts.operator.showEvent(req.params.connectionId!, req.params.eventId!))));
  router.post('/admin/events/:connectionId/:eventId/replay', route(async (req) => {
    return opts.operator.replay(req.params.connectionId!, req.params.eventId!, parse(actionBody, req.body));
  }));
  router.post('/admin/events/:connectionId/:eventId/skip', route(async (req) => {
    return opts.operator.skip(req.params.connectionId!, req.params.eventId!, parse(actionBody, req.body));
  }));
  for (const r of opts.extra ?? []) router.use('/admin', r);
  return router;
}
