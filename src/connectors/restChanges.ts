// Change listing for the generic REST connector, configured by the `changes`
// section of its settings. Two pagination styles:
//  - cursor: the partner hands back an opaque next-page token; we persist it.
//  - updatedSince: `updated_since=<ts>&page=<n>`. The cursor we persist is
//    {since, page}. To stay correct when objects change while we page (which
//    shifts page boundaries), `since` moves forward to the last item's
//    timestamp whenever it can and the page number only counts pages of one
//    timestamp; re-reading the items at `since` is harmless because every
//    record goes through the version guard.
import { z } from 'zod';
import { type PartnerClock, systemPartnerClock } from './observedVersion';
import { partnerRequest } from './partnerRequest';
import { fillTemplate, getPath, toVersion } from './jsonPath';
import type { ChangeItem, Json, ListPage, ObjectKey, ObjectState, ResolvedConnection } from './types';
import { MalformedDeliveryError } from '../errors/ingestErrors';

const itemPaths = z
  .object({
    typePath: z.string().default('type'),
    idPath: z.string().default('id'),
    /** null: items have no version; each is versioned by its page's fetch start (observedVersion.ts). */
    versionPath: z.string().nullable().default('version'),
    deletedPath: z.string().default('deleted'),
    dataPath: z.string().default('data'),
    updatedAtPath: z.string().default('updatedAt'),
  })
  .prefault({});

const pageShape = {
  itemsPath: z.string().default('data'),
  nextCursorPath: z.string().default('next_cursor'),
  hasMorePath: z.string().default('has_more'),
  cursorParam: z.string().default('cursor'),
  pageParam: z.string().default('page'),
  limitParam: z.string().default('limit'),
};

export const changesSettingsSchema = z.object({
  style: z.enum(['cursor', 'updatedSince']),
  urlTemplate: z.string().default('{baseUrl}/api/changes'),
  sinceParam: z.string().default('updated_since'),
  ...pageShape,
  item: itemPaths,
  /** Id listing for full-diff reconciliation; absent = the partner cannot list ids. */
  ids: z
    .object({
      style: z.enum(['cursor', 'page']).default('cursor'),
      urlTemplate: z.string().default('{baseUrl}/api/ids'),
      ...pageShape,
      typePath: z.string().default('type'),
      idPath: z.string().default('id'),
    })
    .optional(),
});

export type ChangesSettings = z.infer<typeof changesSettingsSchema>;

interface Fetcher {
  /** The answer, and when its request started (µs, the version of versionless items). */
  get(urlTemplate: string, query: Record<string, string | number | null>): Promise<{ body: Json; startedUs: number }>;
}

interface SincePosition {
  since: string | null;
  page: number;
}

function readSince(cursor: string | null): SincePosition {
  if (!cursor) return { since: null, page: 1 };
  const parsed = JSON.parse(cursor) as SincePosition;
  return { since: parsed.since ?? null, page: parsed.page ?? 1 };
}

function asString(v: Json | undefined, what: string): string {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  throw new MalformedDeliveryError(`change list item has no ${what}`);
}

function readItem(
  raw: Json,
  p: ChangesSettings['item'],
  pageStartedUs: number,
): ChangeItem & { updatedAt: string | null } {
  const objectType = asString(getPath(raw, p.typePath), 'object type');
  const objectId = asString(getPath(raw, p.idPath), 'object id');
  const version = p.versionPath === null ? pageStartedUs : toVersion(getPath(raw, p.versionPath));
  const updated = getPath(raw, p.updatedAtPath);
  const updatedAt = typeof updated === 'string' || typeof updated === 'number' ? String(updated) : null;
  let state: ObjectState;
  if (getPath(raw, p.deletedPath) === true) state = { found: false, version };
  else {
    const data = getPath(raw, p.dataPath);
    if (version === null || !data || typeof data !== 'object' || Array.isArray(data)) {
      throw new MalformedDeliveryError(`change list item ${objectType}/${objectId} has no version or data`);
    }
    state = { found: true, version, data };
  }
  return { objectType, objectId, state, updatedAt };
}

function pageOf(
  body: Json,
  p: { itemsPath: string; nextCursorPath: string; hasMorePath: string },
): { items: Json[]; next: Json | undefined; hasMore: boolean } {
  const items = getPath(body, p.itemsPath);
  if (!Array.isArray(items)) throw new MalformedDeliveryError(`list answer has no array at "${p.itemsPath}"`);
  return { items, next: getPath(body, p.nextCursorPath), hasMore: getPath(body, p.hasMorePath) === true };
}

export function createRestLister(
  conn: ResolvedConnection<unknown>,
  cfg: ChangesSettings,
  headers: Record<string, string>,
  http: typeof fetch,
  timeoutMs: number,
  clock: PartnerClock = systemPartnerClock,
) {
  const fetcher: Fetcher = {
    async get(urlTemplate, query) {
      const base = fillTemplate(urlTemplate, { baseUrl: conn.apiBaseUrl, credentials: conn.credentials }, () => false);
      const url = new URL(base);
      for (const [k, v] of Object.entries(query)) if (v !== null) url.searchParams.set(k, String(v));
      const startedUs = clock.nowUs();
      const res = await partnerRequest(http, url.toString(), { headers, timeoutMs });
      if (res.status === 404) throw new MalformedDeliveryError(`list endpoint ${url.pathname} answered 404`);
      return { body: (await res.json()) as Json, startedUs };
    },
  };

  async function listChanges(cursor: string | null, pageSize: number): Promise<ListPage<ChangeItem>> {
    if (cfg.style === 'cursor') {
      const { body, startedUs } = await fetcher.get(cfg.urlTemplate, {
        [cfg.cursorParam]: cursor,
        [cfg.limitParam]: pageSize,
      });
      const page = pageOf(body, cfg);
      const items = page.items
        .map((raw) => readItem(raw, cfg.item, startedUs))
        .map(({ updatedAt: _u, ...item }) => item);
      const next = typeof page.next === 'string' && page.next !== '' ? page.next : cursor;
      return { items, nextCursor: next, hasMore: page.hasMore };
    }
    const at = readSince(cursor);
    const { body, startedUs } = await fetcher.get(cfg.urlTemplate, {
      [cfg.sinceParam]: at.since,
      [cfg.pageParam]: at.page,
      [cfg.limitParam]: pageSize,
    });
    const page = pageOf(body, cfg);
    const read = page.items.map((raw) => readItem(raw, cfg.item, startedUs));
    const last = read.at(-1)?.updatedAt ?? null;
    let next: SincePosition;
    if (last === null) next = at;
    else if (at.since !== null && toVersion(last) === toVersion(at.since))
      next = page.hasMore ? { since: at.since, page: at.page + 1 } : { since: at.since, page: 1 };
    else next = { since: last, page: 1 };
    // Only the last page's end is a resting point: the next run starts at its timestamp, page 1.
    if (!page.hasMore) next = { since: next.since, page: 1 };
    return {
      items: read.map(({ updatedAt: _u, ...item }) => item),
      nextCursor: JSON.stringify(next),
      hasMore: page.hasMore,
    };
  }

  const ids = cfg.ids;
  async function listIds(cursor: string | null, pageSize: number): Promise<ListPage<ObjectKey>> {
    if (!ids) throw new MalformedDeliveryError('connection settings have no changes.ids section');
    const query =
      ids.style === 'cursor'
        ? { [ids.cursorParam]: cursor, [ids.limitParam]: pageSize }
        : { [ids.pageParam]: cursor ? Number(cursor) : 1, [ids.limitParam]: pageSize };
    const page = pageOf((await fetcher.get(ids.urlTemplate, query)).body, ids);
    const items = page.items.map((raw) => ({
      objectType: asString(getPath(raw, ids.typePath), 'object type'),
      objectId: asString(getPath(raw, ids.idPath), 'object id'),
    }));
    const nextCursor =
      ids.style === 'cursor'
        ? typeof page.next === 'string' && page.next !== ''
          ? page.next
          : null
        : String((cursor ? Number(cursor) : 1) + 1);
    return { items, nextCursor, hasMore: page.hasMore };
  }

  return { listChanges, listIds: ids ? listIds : undefined };
}
