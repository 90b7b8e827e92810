// The shopify connector's Admin API client: @shopify/admin-api-client's REST client
// (Shopify's own, framework-free; @shopify/shopify-api needs Node 22), retries 0
// (Temporal owns retries), its customFetchApi the fetch syncline hands connectors with
// the connection's timeout. It answers every status as a Response; the mapping is here:
//  - 404 -> tombstone;
//  - 401 -> permanent, the message names the credential;
//  - 429 (Shopify's rate limit; Retry-After in seconds, possibly fractional), 5xx, 408,
//    network errors and timeouts -> transient, retried after Retry-After when given;
//  - 402 (shop frozen), 403 (missing access scope), 423 (shop locked), other 4xx -> permanent.
import { createAdminRestApiClient } from '@shopify/admin-api-client';
import { parseRetryAfter } from './partnerRequest';
import { toVersion } from './jsonPath';
import { resourceOfType } from './shopifyEvents';
import type { JsonObject, ObjectState } from './types';
import { PartnerPermanentError, PartnerTransientError } from '../errors/partnerErrors';
import { MalformedDeliveryError } from '../errors/ingestErrors';

export interface ShopifyApiOptions {
  /** https://<shop>.myshopify.com, or another base (a proxy, a test double). */
  baseUrl: string;
  accessToken: string;
  apiVersion: string;
  timeoutMs: number;
  http: typeof fetch;
}

export function shopifyFailure(res: Response, detail: string, nowMs: number): Error {
  const status = res.status;
  const what = `Shopify Admin API answered ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 401) {
    return new PartnerPermanentError(
      401,
      `${what}. The connection's credentials.accessToken (Admin API access token) was refused: replace it`,
    );
  }
  if (status === 429 || status === 408 || status >= 500)
    return new PartnerTransientError(status, what, parseRetryAfter(res.headers.get('retry-after'), nowMs));
  const hint = status === 403 ? ' (the access token lacks an access scope, e.g. read_orders)' : '';
  return new PartnerPermanentError(status, `${what}${hint}`);
}

export function createShopifyApi(o: ShopifyApiOptions) {
  const base = new URL(o.baseUrl);
  const client = createAdminRestApiClient({
    storeDomain: base.host,
    scheme: base.protocol === 'http:' ? 'http' : 'https',
    apiVersion: o.apiVersion,
    accessToken: o.accessToken,
    retries: 0,
    userAgentPrefix: 'syncline',
    // The client warns on stderr about API versions it does not know; the version is the connection's choice.
    logger: () => undefined,
    customFetchApi: (url, init) => o.http(url, { ...init, signal: AbortSignal.timeout(o.timeoutMs) }),
  });

  async function fetchObject(objectType: string, objectId: string): Promise<ObjectState> {
    const resource = resourceOfType(objectType);
    if (!/^\d+$/.test(objectId)) throw new MalformedDeliveryError(`shopify object id "${objectId}" is not numeric`);
    let res: Response;
    try {
      res = await client.get(`${resource.plural}/${objectId}`);
    } catch (err) {
      throw new PartnerTransientError(null, `Shopify Admin API request failed: ${(err as Error).message}`);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return { found: false, version: null };
    }
    if (!res.ok) {
      const detail = await res.text().catch(() => '');
      throw shopifyFailure(res, detail.slice(0, 200), Date.now());
    }
    const body = (await res.json().catch(() => null)) as JsonObject | null;
    const object = body?.[resource.singular];
    const data = object && typeof object === 'object' && !Array.isArray(object) ? object : null;
    const version = toVersion(data?.updated_at);
    if (!data || version === null) {
      throw new MalformedDeliveryError(
        `Shopify answer for ${objectType}/${objectId} has no "${resource.singular}" object with updated_at`,
      );
    }
    return { found: true, version, data };
  }

  /** A raw GET of an Admin API path (`orders` -> /admin/api/<v>/orders.json); the caller maps the status. */
  const get = (path: string, searchParams: Record<string, string | number>): Promise<Response> =>
    client.get(path, { searchParams });

  return { fetchObject, get };
}

export type ShopifyApi = ReturnType<typeof createShopifyApi>;
