// The Stripe API, read through the official `stripe` library: retries off
// (Temporal owns them: `maxNetworkRetries: 0`), its HTTP client built on the
// fetch syncline hands in (instrumented, and a test's partner), and host, port
// and protocol taken from the connection's apiBaseUrl (stripe-mock, a proxy).
//
// Stripe objects carry no version, so every answer is versioned by the time
// its request started (observedVersion.ts). Failure contract:
//   404 resource_missing      -> a bare tombstone (`missing: 'not_found'`)
//   200 with "deleted": true  -> a tombstone Stripe reported
//   401 / 403                 -> permanent, the message names credentials.secretKey
//   Stripe-Should-Retry       -> decides when present (true: transient, false: permanent)
//   429, 409, 408, 5xx, network -> transient, with Retry-After when Stripe sends one
//   any other 4xx             -> permanent
import Stripe from 'stripe';
import { parseRetryAfter } from '../partnerRequest';
import type { PartnerClock } from '../observedVersion';
import type {
  ChangeItem,
  JsonObject,
  ListPage,
  ObjectKey,
  ObjectState,
  PartnerClient,
  ResolvedConnection,
} from '../types';
import type { StripeCollection } from './stripeObjectTypes';
import { MalformedDeliveryError } from '../../errors/ingestErrors';
import { PartnerPermanentError, PartnerTransientError } from '../../errors/partnerErrors';

export const STRIPE_API_BASE = 'https://api.stripe.com';
/** Stripe ids are `<prefix>_<alphanumerics>`; anything else never reaches a URL. */
const STRIPE_ID = /^[A-Za-z0-9_]{1,255}$/;

export interface StripeClientOptions {
  collections: Record<string, StripeCollection>;
  /** Types listed, in this order, by reconciliation. */
  listTypes: string[];
  apiVersion: string | undefined;
  timeoutMs: number;
}

interface StripeFailure {
  statusCode?: number;
  code?: string;
  message?: string;
  type?: string;
  headers?: Record<string, string | undefined>;
}

/** Where reconciliation is in its walk over the types' list endpoints. */
interface ListPosition {
  /** Index into `listTypes`. */
  t: number;
  /** `starting_after`: the last id of the previous page of that type. */
  after: string | null;
}

function readPosition(cursor: string | null): ListPosition {
  if (!cursor) return { t: 0, after: null };
  const p = JSON.parse(cursor) as Partial<ListPosition>;
  return { t: typeof p.t === 'number' ? p.t : 0, after: typeof p.after === 'string' ? p.after : null };
}

export function createStripeClient(
  conn: ResolvedConnection<unknown>,
  http: typeof fetch,
  clock: PartnerClock,
  opts: StripeClientOptions,
): PartnerClient {
  const base = new URL(conn.apiBaseUrl ?? STRIPE_API_BASE);
  const secretKey = conn.credentials.secretKey;
  const stripe = new Stripe(secretKey ?? '', {
    host: base.hostname,
    port: base.port || (base.protocol === 'https:' ? 443 : 80),
    protocol: base.protocol === 'http:' ? 'http' : 'https',
    maxNetworkRetries: 0,
    httpClient: Stripe.createFetchHttpClient(http),
    timeout: opts.timeoutMs,
    telemetry: false,
    // The library's types admit only its pinned version; a connection may pin its account's own.
    ...(opts.apiVersion ? { apiVersion: opts.apiVersion as Stripe.LatestApiVersion } : {}),
  });

  const failure = (err: unknown, what: string): Error => {
    const e = err as StripeFailure;
    const status = e.statusCode ?? null;
    const message = `Stripe ${what}: ${e.message ?? String(err)}`;
    if (status === 401 || status === 403) {
      return new PartnerPermanentError(
        status,
        `${message} (status ${status}). Stripe refused the secret key credentials.secretKey of connection ` +
          `"${conn.id}"${status === 403 ? ' for this resource (a restricted key needs read access to it)' : ''}; ` +
          'put a valid key in the connection (syncline connections add/update), then replay parked events',
      );
    }
    if (status === null) return new PartnerTransientError(null, `${message} (no answer)`);
    const retryAfterMs = parseRetryAfter(e.headers?.['retry-after'] ?? null, Date.now());
    const shouldRetry = e.headers?.['stripe-should-retry'];
    if (shouldRetry === 'true') return new PartnerTransientError(status, message, retryAfterMs);
    if (shouldRetry === 'false') return new PartnerPermanentError(status, `${message} (Stripe-Should-Retry: false)`);
    if (status >= 500 || status === 429 || status === 409 || status === 408) {
      return new PartnerTransientError(status, `${message} (status ${status})`, retryAfterMs);
    }
    return new PartnerPermanentError(status, `${message} (status ${status})`);
  };

  const collection = (objectType: string): StripeCollection => {
    const c = opts.collections[objectType];
    if (!c) {
      throw new MalformedDeliveryError(
        `Stripe object type "${objectType}" has no API path in syncline's table (known: ` +
          `${Object.keys(opts.collections).join(', ')}); add it to the connection's settings.paths and replay`,
      );
    }
    return c;
  };

  const get = async (path: string, what: string): Promise<JsonObject> => {
    if (!secretKey) {
      throw new PartnerPermanentError(401, `connection "${conn.id}" has no credentials.secretKey for the Stripe API`);
    }
    try {
      // rawRequest keeps one code path for every type in the table; the answer is the object itself.
      return JSON.parse(JSON.stringify(await stripe.rawRequest('GET', path))) as JsonObject;
    } catch (err) {
      if ((err as StripeFailure).statusCode === 404 && (err as StripeFailure).code === 'resource_missing') {
        throw new NotFoundAnswer();
      }
      throw failure(err, what);
    }
  };

  async function listPage(cursor: string | null, pageSize: number) {
    const at = readPosition(cursor);
    const objectType = opts.listTypes[at.t];
    if (objectType === undefined) return { objectType: '', objects: [], startedUs: 0, next: null, hasMore: false };
    const c = collection(objectType);
    const query = new URLSearchParams({ ...c.listQuery, limit: String(Math.min(Math.max(pageSize, 1), 100)) });
    if (at.after) query.set('starting_after', at.after);
    const startedUs = clock.nowUs();
    const page = await get(`${c.path}?${query}`, `list ${objectType}`);
    const objects = Array.isArray(page.data) ? (page.data as JsonObject[]) : null;
    if (!objects) throw new MalformedDeliveryError(`Stripe list ${c.path} answered without a data array`);
    const lastId = objects.at(-1)?.id;
    let next: ListPosition | null;
    if (page.has_more === true && typeof lastId === 'string') next = { t: at.t, after: lastId };
    else next = at.t + 1 < opts.listTypes.length ? { t: at.t + 1, after: null } : null;
    // After the last type the walk starts over: Stripe's lists have no "changed since" filter.
    return { objectType, objects, startedUs, next: next && JSON.stringify(next), hasMore: next !== null };
  }

  return {
    async fetchObject(objectType, objectId): Promise<ObjectState> {
      const c = collection(objectType);
      if (!STRIPE_ID.test(objectId)) throw new MalformedDeliveryError(`"${objectId}" is not a Stripe object id`);
      const startedUs = clock.nowUs();
      try {
        const object = await get(`${c.path}/${objectId}`, `retrieve ${objectType}/${objectId}`);
        if (object.deleted === true) return { found: false, version: startedUs };
        return { found: true, version: startedUs, data: object };
      } catch (err) {
        if (err instanceof NotFoundAnswer) return { found: false, version: startedUs, missing: 'not_found' };
        throw err;
      }
    },

    async listChanges(cursor, pageSize): Promise<ListPage<ChangeItem>> {
      const page = await listPage(cursor, pageSize);
      const items = page.objects.map((o) => ({
        objectType: page.objectType,
        objectId: String(o.id),
        state: { found: true as const, version: page.startedUs, data: o },
      }));
      return { items, nextCursor: page.next, hasMore: page.hasMore };
    },

    async listIds(cursor, pageSize): Promise<ListPage<ObjectKey>> {
      const page = await listPage(cursor, pageSize);
      const items = page.objects.map((o) => ({ objectType: page.objectType, objectId: String(o.id) }));
      return { items, nextCursor: page.next, hasMore: page.hasMore };
    },
  };
}

/** Stripe's 404 resource_missing, turned into a tombstone by fetchObject. */
class NotFoundAnswer extends Error {}
