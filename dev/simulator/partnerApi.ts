// The partner's REST API as the connector sees it. Contract: only GET /api/objects/:type/:id
// needs the bearer key; every authorised fetch is counted in the store before the fault hook
// runs, so tests can count retries that were answered with a simulated failure. Handlers
// compute an ApiResponse and one function writes it, so faults and real answers share a path.

import express, { type Express, type Response } from 'express';
import { type ListLog, registerListRoutes } from './changes';
import type { FaultPlan, FetchFaults, ForcedResponse } from './faults';
import type { PartnerStore } from './partnerStore';
import type { JsonObject, ObjectRef } from './types';

export interface PartnerApiOptions {
  apiKey: string;
  faults?: FetchFaults;
  /** List APIs for reconciliation (see changes.ts); they need the FaultPlan for list faults. */
  lists?: { log: ListLog; faults: FaultPlan };
}

type ApiResponse = ForcedResponse;

const UNAUTHORIZED: ApiResponse = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer' },
  body: { error: 'unauthorized' },
};

function write(res: Response, answer: ApiResponse): void {
  res
    .status(answer.status)
    .set(answer.headers ?? {})
    .json(answer.body ?? {});
}

// A plain comparison is enough: this key guards a loopback test double, not real data.
const authorized = (header: string | undefined, apiKey: string): boolean => header === `Bearer ${apiKey}`;

function answerFetch(store: PartnerStore, opts: PartnerApiOptions, ref: ObjectRef, auth?: string): ApiResponse {
  if (!authorized(auth, opts.apiKey)) return UNAUTHORIZED;
  store.recordFetch(ref.type, ref.id);
  const forced = opts.faults?.beforeFetch(ref);
  if (forced) return forced;
  const object = store.get(ref.type, ref.id);
  if (!object) return { status: 404, body: { error: 'not_found' } };
  if (object.deleted) return { status: 404, body: { error: 'not_found', deleted: true, version: object.version } };
  const { type, id, version, updatedAt, data } = object;
  const body: JsonObject = { type, id, version, deleted: false, updatedAt, data: structuredClone(data) };
  return { status: 200, body };
}

export function createPartnerApi(store: PartnerStore, opts: PartnerApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/api/health', (_req, res) => write(res, { status: 200, body: { ok: true } }));
  app.get('/api/objects/:type/:id', (req, res) => {
    const ref = { type: req.params.type, id: req.params.id };
    write(res, answerFetch(store, opts, ref, req.get('authorization')));
  });
  if (opts.lists)
    registerListRoutes(app, store, opts.lists.log, opts.lists.faults, (req) =>
      authorized(req.get('authorization'), opts.apiKey),
    );
  app.use((_req, res) => write(res, { status: 404, body: { error: 'no_such_route' } }));
  return app;
}
