// The product's records API (issue 21), on the ops listener behind a product
// API key (src/api/productAuth.ts). Read-only. Routes:
//   GET /v1/connections/:connectionId/changes?cursor=&limit=&type=   what changed after cursor
//   GET /v1/connections/:connectionId/records?type=&cursor=&limit=   records of a type in change order
//   GET /v1/connections/:connectionId/records/:type/:id               one record
// Answers: src/contracts/recordsApi.ts. 400 invalid_query / invalid_cursor,
// 401 unauthorized, 404 unknown_connection / record_not_found.
import express, { type Router } from 'express';
import { z } from 'zod';
import { InvalidRecordsQueryError } from '../errors/recordsErrors';
import type { RecordsFeed } from '../records/recordsFeed';
import { route } from './adminHttp';
import { requireProductKey } from './productAuth';

const text = z.string().min(1).max(500);
const pageQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,9}$/, 'limit must be a whole number')
    .transform(Number)
    .optional(),
  type: text.optional(),
});

function query(value: unknown) {
  const r = pageQuery.safeParse(value ?? {});
  if (!r.success)
    throw new InvalidRecordsQueryError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

export function recordsRouter(opts: { keys: readonly string[]; feed: RecordsFeed }): Router {
  const router = express.Router();
  router.use('/v1', requireProductKey(opts.keys));
  router.get(
    '/v1/connections/:connectionId/changes',
    route((req) => opts.feed.changes(req.params.connectionId!, query(req.query))),
  );
  router.get(
    '/v1/connections/:connectionId/records',
    route((req) => {
      const q = query(req.query);
      return opts.feed.records(req.params.connectionId!, { ...q, type: q.type ?? '' });
    }),
  );
  router.get(
    '/v1/connections/:connectionId/records/:type/:id',
    route((req) => opts.feed.record(req.params.connectionId!, req.params.type!, req.params.id!)),
  );
  return router;
}
