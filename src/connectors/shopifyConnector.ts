// The shopify connector: Shopify webhooks (X-Shopify-Hmac-Sha256) and the Admin REST API.
// Event reading: shopifyEvents.ts (claimed topics, shop check); fetching: shopifyApi.ts.
// One connection is one shop (settings.shopDomain); deliveries from another shop are refused 403.
// Reconciliation: shopifyChanges.ts (updated_at_min + page_info cursors, per listed resource).
import { z } from 'zod';
import { DEFAULT_PARTNER_RETRY } from '../contracts/processEventContract';
import { createShopifyApi } from './shopifyApi';
import { createShopifyLister } from './shopifyChanges';
import { isDeleteTopic, readShopifyDelivery, shopifyStateFromPayload } from './shopifyEvents';
import { DEFAULT_HTTP_TIMEOUT_MS, retryOverridesSchema } from './connectorSettings';
import type { Connector, DeliveryInfo, PartnerClient } from './types';
import { InvalidConnectionError } from '../errors/connectionErrors';

/** The Admin API version requests pin (Shopify supports each quarterly version for a year). */
export const SHOPIFY_API_VERSION = '2026-10';

const LISTABLE = ['orders', 'products', 'customers', 'draft_orders'] as const;

const settingsSchema = z.object({
  /** The shop this connection covers, as X-Shopify-Shop-Domain names it: <shop>.myshopify.com. */
  shopDomain: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i, 'expected <shop>.myshopify.com'),
  apiVersion: z
    .string()
    .regex(/^(\d{4}-\d{2}|unstable)$/, 'expected YYYY-MM')
    .default(SHOPIFY_API_VERSION),
  timeoutMs: z.number().int().positive().default(DEFAULT_HTTP_TIMEOUT_MS),
  /** Use the body as the object's state, without calling the Admin API (never for delete topics). */
  trustPayload: z.boolean().default(false),
  retry: retryOverridesSchema,
  /**
   * Resources reconciliation lists (Admin API plurals); [] = no reconciliation. Only those with a list endpoint
   * that filters by updated_at_min (collections have none, inventory items list only by ids).
   */
  reconcileResources: z.array(z.enum(LISTABLE)).default(['orders', 'products', 'customers']),
});

export type ShopifySettings = z.infer<typeof settingsSchema>;

export const shopifyConnector: Connector<ShopifySettings> = {
  name: 'shopify',
  settingsSchema,
  signature: () => ({ scheme: 'shopify' }),
  readDelivery: (d, s) => readShopifyDelivery(d, s.shopDomain),
  // A delete's body is only {"id"}: its tombstone comes from the Admin API's 404, versioned by X-Shopify-Triggered-At.
  isDeleteEvent: (eventType) => isDeleteTopic(eventType),
  trustsPayload: (s, info?: DeliveryInfo) => s.trustPayload && !(info && isDeleteTopic(info.eventType)),
  stateFromPayload: (d) => shopifyStateFromPayload(d),
  retrySettings: (s) => ({ ...DEFAULT_PARTNER_RETRY, ...s.retry }),
  httpTimeoutMs: (s) => s.timeoutMs,
  createClient(conn, http): PartnerClient {
    const accessToken = conn.credentials.accessToken;
    if (!accessToken)
      throw new InvalidConnectionError(`connection ${conn.id} has no credentials.accessToken for the Admin API`);
    const api = createShopifyApi({
      baseUrl: conn.apiBaseUrl ?? `https://${conn.settings.shopDomain}`,
      accessToken,
      apiVersion: conn.settings.apiVersion,
      timeoutMs: conn.settings.timeoutMs,
      http,
    });
    const resources = conn.settings.reconcileResources;
    return {
      fetchObject: api.fetchObject,
      listChanges: resources.length > 0 ? createShopifyLister(api, resources) : undefined,
    };
  },
};
