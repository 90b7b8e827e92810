// The shopify connector against Shopify's documented shapes (test/fixtures/shopify/README.md
// says where each fixture comes from): deliveries with the documented headers, signed here
// by the documented algorithm (base64 HMAC-SHA256 of the raw body, computed with node:crypto,
// not with syncline's signing code), and the Admin API's documented answer for one product.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHOPIFY_API_VERSION, shopifyConnector, type ShopifySettings } from '../../src/connectors/shopifyConnector';
import { parseRetryAfter } from '../../src/connectors/partnerRequest';
import { nextPageInfo } from '../../src/connectors/shopifyChanges';
import type { DeliveryInfo, IgnoredDelivery, Json, JsonObject, ResolvedConnection } from '../../src/connectors/types';
import { verifySignature } from '../../src/signatures';
import { ForeignDeliveryError, MalformedDeliveryError } from '../../src/errors/ingestErrors';
import { PartnerPermanentError, PartnerTransientError } from '../../src/errors/partnerErrors';

const FIXTURES = path.resolve(__dirname, '../fixtures/shopify');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as JsonObject;
const productAnswer = fixture('product-find.2024-01.json');
const product = productAnswer.product as JsonObject;
const customer = fixture('customer.2023-10.json');

const SHOP = 'johns-apparel.myshopify.com';
const SECRET = 'shopify-app-client-secret';
const settings = (over: Partial<ShopifySettings> = {}) =>
  shopifyConnector.settingsSchema.parse({ shopDomain: SHOP, ...over }) as ShopifySettings;

function delivery(topic: string, body: JsonObject, over: Record<string, string> = {}) {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shopify-topic': topic,
    'x-shopify-hmac-sha256': crypto.createHmac('sha256', SECRET).update(raw).digest('base64'),
    'x-shopify-shop-domain': SHOP,
    'x-shopify-api-version': '2024-01',
    'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    'x-shopify-triggered-at': '2024-01-02T14:00:00.123456789Z',
    'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
    ...over,
  };
  return { headers, raw };
}

function read(topic: string, body: JsonObject, over: Record<string, string> = {}, s = settings()) {
  const { headers, raw } = delivery(topic, body, over);
  const verified = verifySignature(shopifyConnector.signature(s)!, {
    headers,
    rawBody: Buffer.from(raw),
    secrets: [SECRET],
    nowSec: 0,
  });
  return shopifyConnector.readDelivery(
    { headers, body: JSON.parse(raw) as Json, headerEventId: verified.headerEventId },
    s,
  );
}

describe('shopify connector: deliveries as Shopify documents them', () => {
  it('reads products/update: type from the topic, id and updated_at from the body, event id from X-Shopify-Event-Id', () => {
    expect(read('products/update', product)).toEqual({
      eventId: '98880550-7158-44d4-b7cd-2c97c8a091b5',
      eventType: 'products/update',
      objectType: 'product',
      objectId: '632910392',
      objectVersion: Date.parse('2024-01-02T13:59:11Z'),
    });
    expect((read('customers/update', customer) as DeliveryInfo).objectType).toBe('customer');
  });

  it('falls back to X-Shopify-Webhook-Id when the delivery has no X-Shopify-Event-Id', () => {
    const { headers, raw } = delivery('products/update', product);
    delete headers['x-shopify-event-id'];
    const verified = verifySignature(
      { scheme: 'shopify' },
      { headers, rawBody: Buffer.from(raw), secrets: [SECRET], nowSec: 0 },
    );
    const info = shopifyConnector.readDelivery(
      { headers, body: product, headerEventId: verified.headerEventId },
      settings(),
    );
    expect((info as DeliveryInfo).eventId).toBe('b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
  });

  it('versions a */delete (body {"id"} only) by X-Shopify-Triggered-At, and never trusts its payload', () => {
    const info = read('products/delete', { id: 632910392 }) as DeliveryInfo;
    expect(info).toMatchObject({ objectType: 'product', objectId: '632910392' });
    expect(info.objectVersion).toBe(Date.parse('2024-01-02T14:00:00.123Z'));
    const trusting = settings({ trustPayload: true });
    expect(shopifyConnector.trustsPayload(trusting, info)).toBe(false);
    expect(shopifyConnector.trustsPayload(trusting, read('products/update', product) as DeliveryInfo)).toBe(true);
    expect(shopifyConnector.stateFromPayload({ headers: {}, body: product }, trusting)).toEqual({
      found: true,
      version: Date.parse('2024-01-02T08:59:11-05:00'),
      data: product,
    });
  });

  it('refuses a delivery from another shop (or naming none) with 403 wrong_shop_domain', () => {
    expect(() => read('products/update', product, { 'x-shopify-shop-domain': 'other.myshopify.com' })).toThrow(
      ForeignDeliveryError,
    );
    expect(() => read('products/update', product, { 'x-shopify-shop-domain': '' })).toThrow(
      /wrong_shop_domain|no X-Shopify/,
    );
    expect(read('products/update', product, { 'x-shopify-shop-domain': 'Johns-Apparel.myshopify.com' })).toMatchObject({
      objectId: '632910392',
    });
  });

  it('ignores topics whose body is not the resource, and refuses a claimed one without an id', () => {
    for (const topic of ['orders/edited', 'app/uninstalled', 'shop/update', 'carts/create'])
      expect((read(topic, { id: 1 }) as IgnoredDelivery).ignored).toBe(
        `topic "${topic}" is not synced by the shopify connector`,
      );
    expect(() => read('orders/updated', { name: '#1001' })).toThrow(MalformedDeliveryError);
  });

  it('refuses a shop domain that is not <shop>.myshopify.com when the connection is saved', () => {
    expect(shopifyConnector.settingsSchema.safeParse({ shopDomain: 'https://x.com' }).success).toBe(false);
    expect(settings().apiVersion).toBe(SHOPIFY_API_VERSION);
  });
});

type Seen = { url: string; headers: Headers };
function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const seen: Seen[] = [];
  const http: typeof fetch = async (input, init) => {
    seen.push({ url: String(input), headers: new Headers(init?.headers) });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  };
  return { http, seen };
}
const conn = (apiBaseUrl: string | null = null): ResolvedConnection<ShopifySettings> => ({
  id: 'shop-unit',
  connector: 'shopify',
  enabled: true,
  apiBaseUrl,
  signingSecrets: [SECRET],
  credentials: { accessToken: 'shpat_unit' },
  settings: settings(),
});

describe('shopify connector: the Admin API through @shopify/admin-api-client', () => {
  it('GETs /admin/api/<pinned>/products/<id>.json with the access token and unwraps the documented answer', async () => {
    const { http, seen } = answering(200, productAnswer);
    const state = await shopifyConnector.createClient(conn(), http).fetchObject('product', '632910392');
    expect(state).toEqual({ found: true, version: Date.parse('2024-01-02T08:59:11-05:00'), data: product });
    expect(seen[0]!.url).toBe(`https://${SHOP}/admin/api/${SHOPIFY_API_VERSION}/products/632910392.json`);
    expect(seen[0]!.headers.get('x-shopify-access-token')).toBe('shpat_unit');
  });

  it('uses the connection apiBaseUrl (http too) and each resource path', async () => {
    const { http, seen } = answering(200, { order: { id: 450789469, updated_at: '2008-01-10T11:00:00-05:00' } });
    const client = shopifyConnector.createClient(conn('http://127.0.0.1:9/'), http);
    expect(await client.fetchObject('order', '450789469')).toMatchObject({ found: true });
    expect(seen[0]!.url).toBe(`http://127.0.0.1:9/admin/api/${SHOPIFY_API_VERSION}/orders/450789469.json`);
    await expect(client.fetchObject('product', '450789469')).rejects.toThrow(/no "product" object/);
    await expect(client.fetchObject('refund', '1')).rejects.toThrow(MalformedDeliveryError);
  });

  it('maps 404 to a tombstone, 401 to a permanent failure naming the credential, 403 to a missing scope', async () => {
    const fetchWith = (status: number, body: unknown) =>
      shopifyConnector.createClient(conn(), answering(status, body).http).fetchObject('order', '1');
    expect(await fetchWith(404, { errors: 'Not Found' })).toEqual({ found: false, version: null });
    const unauthorized = await fetchWith(401, { errors: '[API] Invalid API key or access token' }).catch((e) => e);
    expect(unauthorized).toBeInstanceOf(PartnerPermanentError);
    expect(unauthorized.message).toMatch(/credentials\.accessToken/);
    const forbidden = await fetchWith(403, { errors: 'requires merchant approval for read_orders scope' }).catch(
      (e) => e,
    );
    expect(forbidden).toBeInstanceOf(PartnerPermanentError);
    expect(forbidden.message).toMatch(/access scope/);
  });

  it('retries a 429 after its Retry-After (Shopify sends fractional seconds), and 5xx', async () => {
    const limited = await shopifyConnector
      .createClient(conn(), answering(429, { errors: 'Exceeded 2 calls per second' }, { 'retry-after': '2.0' }).http)
      .fetchObject('order', '1')
      .catch((e) => e);
    expect(limited).toBeInstanceOf(PartnerTransientError);
    expect(limited.retryAfterMs).toBe(2000);
    const down = await shopifyConnector
      .createClient(conn(), answering(503, {}).http)
      .fetchObject('order', '1')
      .catch((e) => e);
    expect(down).toBeInstanceOf(PartnerTransientError);
    expect(parseRetryAfter('0.5', 0)).toBe(500);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});

describe('shopify connector: listing', () => {
  it('reads the next page_info from the Link header, quoted or not, and none after the last page', () => {
    const base = 'https://acme.myshopify.com/admin/api/2026-10/products.json';
    expect(
      nextPageInfo(
        `<${base}?page_info=prev123&limit=3>; rel="previous", <${base}?page_info=next456&limit=3>; rel="next"`,
      ),
    ).toBe('next456');
    expect(nextPageInfo(`<${base}?limit=3&page_info=abc>; rel=next`)).toBe('abc');
    expect(nextPageInfo(`<${base}?page_info=prev123&limit=3>; rel="previous"`)).toBeNull();
    expect(nextPageInfo(null)).toBeNull();
  });

  it('lists only the resources the settings name, and none with []', () => {
    expect(shopifyConnector.createClient(conn(), answering(200, {}).http).listChanges).toBeTypeOf('function');
    const none = { ...conn(), settings: settings({ reconcileResources: [] }) };
    expect(shopifyConnector.createClient(none, answering(200, {}).http).listChanges).toBeUndefined();
  });
});
