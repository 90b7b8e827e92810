// The partner's list APIs, which reconciliation pages through. Contract:
//  - GET /api/changes?cursor=&limit=        change log, opaque next-page cursor (base64 of the last seq)
//  - GET /api/objects?updated_since=&page=&limit=   current objects (tombstones too) with
//    updatedAt >= updated_since, ordered by (updatedAt, version), numbered pages
//  - GET /api/ids?cursor=&limit= or ?page=&limit=   ids of live objects, ordered by (type, id)
// All need the bearer key. Every authorised list request is logged (path, cursor or page,
// status, the cursor it handed out) before faults apply, so tests can check the request
// budget and that no page was skipped. `controls` make the partner slow or truncate the
// id listing (the mass-deletion guard's test case).
import type { Express, Request } from 'express';
import type { FaultPlan, ForcedResponse } from './faults';
import type { PartnerStore } from './partnerStore';
import type { JsonObject, ObjectSnapshot } from './types';

export interface ListRequest {
  at: number;
  path: string;
  cursor: string | null;
  since: string | null;
  page: number | null;
  status: number;
  nextCursor: string | null;
  count: number;
}

export interface ListControls {
  /** Every list answer waits this long first (a slow partner). */
  delayMs: number;
  /** The id listing ends after this many ids, claiming it is complete. */
  truncateIdsAt: number | null;
}

export class ListLog {
  readonly requests: ListRequest[] = [];
  readonly controls: ListControls = { delayMs: 0, truncateIdsAt: null };

  count(path?: string): number {
    return path ? this.requests.filter((r) => r.path === path).length : this.requests.length;
  }
}

const MAX_LIMIT = 1000;
const encodeSeq = (seq: number): string => Buffer.from(`seq:${seq}`).toString('base64url');

function decodeSeq(cursor: string | null): number | null {
  if (!cursor) return 0;
  const m = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : null;
}

function wire(o: ObjectSnapshot): JsonObject {
  return {
    type: o.type,
    id: o.id,
    version: o.version,
    deleted: o.deleted,
    updatedAt: o.updatedAt,
    data: structuredClone(o.data) as JsonObject,
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const limitOf = (req: Request): number => Math.min(MAX_LIMIT, Math.max(1, Number(str(req.query.limit) ?? 100) || 100));
const pageOf = (req: Request): number => Math.max(1, Number(str(req.query.page) ?? 1) || 1);

type Answer = { body: JsonObject; nextCursor: string | null; count: number } | ForcedResponse;

export function registerListRoutes(
  app: Express,
  store: PartnerStore,
  log: ListLog,
  faults: FaultPlan,
  authorized: (req: Request) => boolean,
): void {
  const handle = (path: string, answer: (req: Request) => Answer) =>
    app.get(path, async (req, res) => {
      if (!authorized(req)) return void res.status(401).json({ error: 'unauthorized' });
      if (log.controls.delayMs > 0) await new Promise((r) => setTimeout(r, log.controls.delayMs));
      const entry: ListRequest = {
        at: Date.now(),
        path,
        cursor: str(req.query.cursor),
        since: str(req.query.updated_since),
        page: str(req.query.page) ? pageOf(req) : null,
        status: 200,
        nextCursor: null,
        count: 0,
      };
      log.requests.push(entry);
      const forced = faults.beforeList(path);
      const out = forced ?? answer(req);
      if ('status' in out) {
        entry.status = out.status;
        return void res
          .status(out.status)
          .set(out.headers ?? {})
          .json(out.body ?? {});
      }
      entry.nextCursor = out.nextCursor;
      entry.count = out.count;
      res.json(out.body);
    });

  handle('/api/changes', (req): Answer => {
    const seq = decodeSeq(str(req.query.cursor));
    if (seq === null) return { status: 400, body: { error: 'bad_cursor' } };
    const page = store.changesSince(seq, limitOf(req));
    const next = encodeSeq(page.nextSeq);
    return {
      body: { data: page.changes.map((c) => wire(c.object)), next_cursor: next, has_more: page.hasMore },
      nextCursor: next,
      count: page.changes.length,
    };
  });

  handle('/api/objects', (req) => {
    const since = str(req.query.updated_since);
    const sinceMs = since ? Date.parse(since) : -Infinity;
    const limit = limitOf(req);
    const matching = store
      .all()
      .filter((o) => Date.parse(o.updatedAt) >= sinceMs)
      .sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.version - b.version);
    const start = (pageOf(req) - 1) * limit;
    const items = matching.slice(start, start + limit);
    return {
      body: { data: items.map(wire), has_more: start + limit < matching.length },
      nextCursor: null,
      count: items.length,
    };
  });

  handle('/api/ids', (req) => {
    let live = store
      .all()
      .filter((o) => !o.deleted)
      .sort((a, b) => (a.type === b.type ? (a.id < b.id ? -1 : 1) : a.type < b.type ? -1 : 1));
    if (log.controls.truncateIdsAt !== null) live = live.slice(0, log.controls.truncateIdsAt);
    const limit = limitOf(req);
    const cursor = str(req.query.cursor);
    const start =
      cursor !== null ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : (pageOf(req) - 1) * limit;
    const items = live.slice(start, start + limit);
    const hasMore = start + limit < live.length;
    const next = Buffer.from(String(start + items.length)).toString('base64url');
    return {
      body: {
        data: items.map((o) => ({ type: o.type, id: o.id })),
        next_cursor: hasMore ? next : null,
        has_more: hasMore,
      },
      nextCursor: hasMore ? next : null,
      count: items.length,
    };
  });
}
