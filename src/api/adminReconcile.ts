// Reconciliation actions on the admin API (mounted under /admin, so behind the
// same bearer token):
//   GET  /admin/reconcile/:connectionId            status: checkpoint, last run, schedules
//   GET  /admin/reconcile/:connectionId/runs?limit=
//   POST /admin/reconcile/:connectionId/pause      { mode?, note? }
//   POST /admin/reconcile/:connectionId/unpause    { mode?, note? }
//   POST /admin/reconcile/:connectionId/trigger    { mode? }
//   POST /admin/reconcile/:connectionId/backfill   { mode?, start, end }
//   POST /admin/reconcile/:connectionId/confirm-deletes  { approve }
//   POST /admin/reconcile/:connectionId/sync       create/update/remove its schedules now
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import type { ReconcileService } from '../reconcile';
import { parse, route as adminRoute } from './adminHttp';

const mode = z.enum(['incremental', 'full']).default('incremental');
const modeBody = z.object({ mode, note: z.string().max(500).optional() });
const backfillBody = z
  .object({ mode, start: z.coerce.date(), end: z.coerce.date() })
  .refine((b) => b.start < b.end, 'start must be before end');
const confirmBody = z.object({ approve: z.boolean() });
const runsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) });

/** Every route here is about one connection. */
const route = (h: (id: string, req: Request<Record<string, string>>) => Promise<unknown>) =>
  adminRoute((req) => h(req.params.connectionId!, req));

export function adminReconcileRouter(service: ReconcileService): Router {
  const r = express.Router();
  r.get(
    '/reconcile/:connectionId',
    route((id) => service.status(id)),
  );
  r.get(
    '/reconcile/:connectionId/runs',
    route((id, req) => service.runs(id, parse(runsQuery, req.query).limit)),
  );
  r.post(
    '/reconcile/:connectionId/pause',
    route(async (id, req) => {
      const b = parse(modeBody, req.body);
      await service.pause(id, b.mode, b.note);
      return { ok: true, paused: true, mode: b.mode };
    }),
  );
  r.post(
    '/reconcile/:connectionId/unpause',
    route(async (id, req) => {
      const b = parse(modeBody, req.body);
      await service.unpause(id, b.mode, b.note);
      return { ok: true, paused: false, mode: b.mode };
    }),
  );
  r.post(
    '/reconcile/:connectionId/trigger',
    route(async (id, req) => {
      const b = parse(modeBody, req.body);
      await service.trigger(id, b.mode);
      return { ok: true, triggered: b.mode };
    }),
  );
  r.post(
    '/reconcile/:connectionId/backfill',
    route(async (id, req) => {
      const b = parse(backfillBody, req.body);
      await service.backfill(id, { start: b.start, end: b.end }, b.mode);
      return { ok: true, mode: b.mode, start: b.start.toISOString(), end: b.end.toISOString() };
    }),
  );
  r.post(
    '/reconcile/:connectionId/confirm-deletes',
    route((id, req) => service.confirmDeletes(id, parse(confirmBody, req.body).approve)),
  );
  r.post(
    '/reconcile/:connectionId/sync',
    route((id) => service.schedules.syncConnection(id)),
  );
  return r;
}
