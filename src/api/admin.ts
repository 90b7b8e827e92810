// The admin HTTP API: the ops CLI's event actions over HTTP, behind a bearer
// token. Routes:
//   GET  /admin/events?connection=&status=&limit=
//   GET  /admin/events/:connectionId/:eventId
//   POST /admin/events/:connectionId/:eventId/replay   { by?, reason?, wait? }  (wait: false answers once the replay has begun)
//   POST /admin/events/:connectionId/:eventId/skip     { by?, reason }
//   POST /admin/events/bulk  { action, dryRun, reason?, by?, filter: { connectionId, connector, eventType, since, until } }
// Extra routers (reconciliation) are mounted by the caller under /admin.
import express, { type Router } from 'express';
import { z } from 'zod';
import type { OperatorService } from '../operator/operatorService';
import { requireAdminToken } from './adminAuth';
import { parse, route } from './adminHttp';

const listQuery = z.object({
  connection: z.string().optional(),
  status: z.string().optional(),
  limit: z.coerce.number().int().min(1).optional(),
});
const actionBody = z.object({
  by: z.string().min(1).max(200).default('admin-api'),
  reason: z.string().max(2000).optional(),
});
const replayBody = actionBody.extend({ wait: z.boolean().default(true) });
const bulkBody = actionBody.extend({
  action: z.enum(['replay', 'skip']),
  dryRun: z.boolean().default(true),
  filter: z
    .object({
      connectionId: z.string().optional(),
      connector: z.string().optional(),
      eventType: z.string().optional(),
      since: z.coerce.date().optional(),
      until: z.coerce.date().optional(),
    })
    .default({}),
});

export function adminRouter(opts: { token?: string; operator: OperatorService; extra?: Router[] }): Router {
  const router = express.Router();
  router.use('/admin', requireAdminToken(opts.token), express.json({ limit: '64kb' }));
  router.get(
    '/admin/events',
    route(async (req) => {
      const q = parse(listQuery, req.query);
      return opts.operator.listEvents({ connectionId: q.connection, status: q.status, limit: q.limit });
    }),
  );
  router.post(
    '/admin/events/bulk',
    route(async (req) => opts.operator.bulk(parse(bulkBody, req.body))),
  );
  router.get(
    '/admin/events/:connectionId/:eventId',
    route((req) => opts.operator.showEvent(req.params.connectionId!, req.params.eventId!)),
  );
  router.post(
    '/admin/events/:connectionId/:eventId/replay',
    route(async (req) => {
      const { wait, ...request } = parse(replayBody, req.body);
      return opts.operator.replay(req.params.connectionId!, req.params.eventId!, request, { wait });
    }),
  );
  router.post(
    '/admin/events/:connectionId/:eventId/skip',
    route(async (req) => {
      return opts.operator.skip(req.params.connectionId!, req.params.eventId!, parse(actionBody, req.body));
    }),
  );
  for (const r of opts.extra ?? []) router.use('/admin', r);
  return router;
}
