// What the shopify connector reads from a delivery. The topic (`orders/updated`) is only
// in X-Shopify-Topic; the body IS the resource, in the Admin API's REST serialisation,
// with its id and updated_at; `*/delete` topics carry only {"id": ...}, so their version
// is X-Shopify-Triggered-At (when Shopify raised the event), which also versions the
// tombstone the 404 of the follow-up fetch produces. X-Shopify-Shop-Domain must be the
// connection's shop: one connection is one shop.
//
// Claimed topics (the table below): those whose body is the resource itself. Every other
// topic (orders/edited carries an order_edit, app/uninstalled a shop, ...) is answered 200
// and ignored with the reason logged and counted: a 4xx would make Shopify retry it and
// eventually remove the subscription.
import type { DeliveryInfo, IgnoredDelivery, Json, JsonObject, ObjectState, RawDelivery } from './types';
import { headerValue } from './connectorSettings';
import { toVersion } from './jsonPath';
import { ForeignDeliveryError, MalformedDeliveryError } from '../errors/ingestErrors';

export interface ShopifyResource {
  /** The topic's first part and the Admin API's path segment. */
  plural: string;
  /** The object type, and the key the Admin API wraps one object in. */
  singular: string;
  /** The topic actions whose body is the resource (delete is always claimed). */
  actions: readonly string[];
}

export const SHOPIFY_RESOURCES: readonly ShopifyResource[] = [
  {
    plural: 'orders',
    singular: 'order',
    actions: ['create', 'updated', 'cancelled', 'fulfilled', 'paid', 'partially_fulfilled'],
  },
  { plural: 'products', singular: 'product', actions: ['create', 'update'] },
  { plural: 'customers', singular: 'customer', actions: ['create', 'update', 'enable', 'disable'] },
  { plural: 'draft_orders', singular: 'draft_order', actions: ['create', 'update'] },
  { plural: 'collections', singular: 'collection', actions: ['create', 'update'] },
  { plural: 'inventory_items', singular: 'inventory_item', actions: ['create', 'update'] },
];

const BY_PLURAL = new Map(SHOPIFY_RESOURCES.map((r) => [r.plural, r]));
const BY_TYPE = new Map(SHOPIFY_RESOURCES.map((r) => [r.singular, r]));

export function resourceOfType(objectType: string): ShopifyResource {
  const r = BY_TYPE.get(objectType);
  if (!r) {
    const known = SHOPIFY_RESOURCES.map((x) => x.singular).join(', ');
    throw new MalformedDeliveryError(`shopify connector cannot fetch object type "${objectType}"; it knows ${known}`);
  }
  return r;
}

export const isDeleteTopic = (topic: string): boolean => topic.endsWith('/delete');

function checkShop(headers: RawDelivery['headers'], shopDomain: string): void {
  const shop = headerValue(headers, 'x-shopify-shop-domain');
  if (shop?.toLowerCase() !== shopDomain.toLowerCase()) {
    throw new ForeignDeliveryError(
      'wrong_shop_domain',
      `delivery from shop ${shop ?? 'none (no X-Shopify-Shop-Domain header)'}, connection covers ${shopDomain}`,
    );
  }
}

export function readShopifyDelivery(d: RawDelivery, shopDomain: string): DeliveryInfo | IgnoredDelivery {
  const topic = headerValue(d.headers, 'x-shopify-topic');
  if (!topic) throw new MalformedDeliveryError('delivery has no X-Shopify-Topic header');
  const eventId = d.headerEventId;
  if (!eventId) throw new MalformedDeliveryError('delivery has neither X-Shopify-Event-Id nor X-Shopify-Webhook-Id');
  checkShop(d.headers, shopDomain);
  const [plural, action] = topic.split('/') as [string, string | undefined];
  const resource = BY_PLURAL.get(plural);
  const deleted = isDeleteTopic(topic);
  if (!resource || action === undefined || (!deleted && !resource.actions.includes(action)))
    return { ignored: `topic "${topic}" is not synced by the shopify connector`, eventId };
  const body = d.body as JsonObject;
  const id = body.id;
  if (typeof id !== 'number' && !(typeof id === 'string' && /^\d+$/.test(id)))
    throw new MalformedDeliveryError(`${topic} delivery has no numeric id`);
  const version = deleted
    ? toVersion(headerValue(d.headers, 'x-shopify-triggered-at'))
    : toVersion(body.updated_at as Json | undefined);
  return { eventId, eventType: topic, objectType: resource.singular, objectId: String(id), objectVersion: version };
}

/** The body is the resource (trustPayload connections; delete topics are never trusted: see the connector). */
export function shopifyStateFromPayload(d: RawDelivery): ObjectState {
  const body = d.body as JsonObject;
  const version = toVersion(body?.updated_at as Json | undefined);
  if (version === null) throw new MalformedDeliveryError('trusted shopify payload has no updated_at');
  return { found: true, version, data: body };
}
