// Reconciliation for the shopify connector: for each listed resource, the Admin REST
// list endpoint filtered by `updated_at_min` (orders with `status=any`), paged by
// Shopify's cursor (`page_info` from the Link header's rel="next"). A page_info request
// carries only `limit` and the token: the token holds the first request's filter, and
// Shopify's cursor pagination is keyed (it does not shift when objects change while
// we page). The cursor persisted between pages and runs is {resource index, since per
// resource, page_info, the newest updated_at seen in this pass}; after a resource's
// last page its `since` becomes one second before that newest updated_at (re-reading
// the boundary is harmless: every record goes through the version guard). An object
// changed during the pass has an updated_at after everything the pass saw, so the next
// run's filter includes it.
import { toVersion } from './jsonPath';
import type { ShopifyApi } from './shopifyApi';
import { shopifyFailure } from './shopifyApi';
import { SHOPIFY_RESOURCES } from './shopifyEvents';
import type { ChangeItem, JsonObject, ListPage } from './types';
import { MalformedDeliveryError } from '../errors/ingestErrors';
import { PartnerTransientError } from '../errors/partnerErrors';

/** Shopify's largest page. */
export const SHOPIFY_MAX_PAGE = 250;

interface ShopifyCursor {
  resource: number;
  since: Record<string, string>;
  pageInfo: string | null;
  newestMs: number | null;
}

function readCursor(cursor: string | null): ShopifyCursor {
  if (!cursor) return { resource: 0, since: {}, pageInfo: null, newestMs: null };
  const c = JSON.parse(cursor) as Partial<ShopifyCursor>;
  return {
    resource: c.resource ?? 0,
    since: c.since ?? {},
    pageInfo: c.pageInfo ?? null,
    newestMs: c.newestMs ?? null,
  };
}

/** The page_info of the Link header's rel="next", if any. */
export function nextPageInfo(link: string | null): string | null {
  for (const part of (link ?? '').split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return new URL(m[1]!).searchParams.get('page_info');
  }
  return null;
}

export function createShopifyLister(api: ShopifyApi, plurals: string[]) {
  return async function listChanges(cursor: string | null, pageSize: number): Promise<ListPage<ChangeItem>> {
    const at = readCursor(cursor);
    const plural = plurals[at.resource % plurals.length]!;
    const singular = SHOPIFY_RESOURCES.find((r) => r.plural === plural)!.singular;
    const limit = Math.min(pageSize, SHOPIFY_MAX_PAGE);
    const since = at.since[plural];
    const searchParams: Record<string, string | number> = at.pageInfo
      ? { limit, page_info: at.pageInfo }
      : { limit, ...(plural === 'orders' ? { status: 'any' } : {}), ...(since ? { updated_at_min: since } : {}) };
    let res: Response;
    try {
      res = await api.get(plural, searchParams);
    } catch (err) {
      throw new PartnerTransientError(null, `Shopify Admin API request failed: ${(err as Error).message}`);
    }
    if (!res.ok) throw shopifyFailure(res, (await res.text().catch(() => '')).slice(0, 200), Date.now());
    const body = (await res.json().catch(() => null)) as JsonObject | null;
    const list = body?.[plural];
    if (!Array.isArray(list)) throw new MalformedDeliveryError(`Shopify list of ${plural} has no "${plural}" array`);

    let newestMs = at.newestMs;
    const items: ChangeItem[] = (list as JsonObject[]).map((data) => {
      const version = toVersion(data.updated_at);
      if (version === null || (typeof data.id !== 'number' && typeof data.id !== 'string'))
        throw new MalformedDeliveryError(`Shopify ${singular} in the ${plural} list has no id or updated_at`);
      newestMs = newestMs === null ? version : Math.max(newestMs, version);
      return { objectType: singular, objectId: String(data.id), state: { found: true, version, data } };
    });

    const pageInfo = nextPageInfo(res.headers.get('link'));
    let next: ShopifyCursor;
    if (pageInfo) next = { ...at, pageInfo, newestMs };
    else {
      const moved = newestMs === null ? since : new Date(newestMs - 1000).toISOString();
      next = {
        resource: at.resource + 1 < plurals.length ? at.resource + 1 : 0,
        since: { ...at.since, ...(moved ? { [plural]: moved } : {}) },
        pageInfo: null,
        newestMs: null,
      };
    }
    return { items, nextCursor: JSON.stringify(next), hasMore: pageInfo !== null || at.resource + 1 < plurals.length };
  };
}
