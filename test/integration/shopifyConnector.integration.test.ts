// The shopify connector end to end on the real Temporal dev server and PostgreSQL:
// a delivery as Shopify documents it (body = the resource; X-Shopify-Topic, -Shop-Domain,
// -Event-Id, -Triggered-At; base64 HMAC-SHA256 of the raw body computed here with
// node:crypto) -> 202 -> processEvent -> GET through @shopify/admin-api-client -> the
// record. The Admin API is played by test/support/fakeShopify.ts (a thin stateful fake
// over node:http; a real shop is not reachable here). Its answer shape is checked against
// Shopify's documented answer in test/unit/shopifyConnector.unit.test.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startAlertSink, type AlertSink } from '../support/alertSink';
import { record, waitForEventStatus } from '../support/events';
import { startFakeShopify, type FakeShopify } from '../support/fakeShopify';
import { startTestSystem, type TestSystem } from '../support/system';
import { reconcileService } from '../support/reconcileFixtures';
import type { ReconcileResult } from '../../src/contracts/reconcileContract';
import { waitFor } from '../support/wait';

const SHOP = 'syncline-e2e.myshopify.com';
const SECRET = 'shopify-e2e-client-secret';
const TOKEN = 'shpat_e2e_token';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 4, scheduleMs: [50, 100, 200] };
type Obj = Record<string, unknown>;

/** Shopify's documented product (GET products/632910392.json, test/fixtures/shopify/README.md) as a body template. */
const documentedProduct = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../fixtures/shopify/product-find.2024-01.json'), 'utf8')) as {
    product: Obj;
  }
).product;

let sys: TestSystem;
let shop: FakeShopify;
let sink: AlertSink;

beforeAll(async () => {
  sink = await startAlertSink();
  shop = await startFakeShopify({ accessToken: TOKEN });
  sys = await startTestSystem('shopify', {
    ALERT_WEBHOOK_URL: sink.url,
    ALERT_GROUP_WINDOW_MS: '3000',
    ALERT_FLUSH_INTERVAL_MS: '600000',
  });
});
afterAll(async () => {
  await sys?.stop();
  await shop?.close();
  await sink?.close();
});

async function connection(
  name: string,
  over: { token?: string; settings?: Obj; apiBaseUrl?: string } = {},
): Promise<string> {
  const id = `${sys.prefix}-${name}`;
  await sys.rt.connections.upsert({
    id,
    connector: 'shopify',
    enabled: true,
    apiBaseUrl: over.apiBaseUrl ?? shop.url,
    signingSecrets: [SECRET],
    credentials: { accessToken: over.token ?? TOKEN },
    settings: { shopDomain: SHOP, retry: FAST_RETRY, ...over.settings },
  });
  return id;
}

async function deliver(conn: string, topic: string, body: Obj, headers: Record<string, string> = {}) {
  const raw = JSON.stringify(body);
  const eventId = crypto.randomUUID();
  const res = await fetch(`${sys.api.url}/webhooks/${conn}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': crypto.createHmac('sha256', SECRET).update(raw).digest('base64'),
      'x-shopify-shop-domain': SHOP,
      'x-shopify-api-version': '2026-10',
      'x-shopify-webhook-id': crypto.randomUUID(),
      'x-shopify-triggered-at': new Date().toISOString(),
      'x-shopify-event-id': eventId,
      ...headers,
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Obj, eventId };
}

describe('shopify connector end to end', () => {
  it('syncs products/update: fetched from the Admin API at the pinned version, unwrapped, stored at updated_at', async () => {
    const conn = await connection('update');
    const product = shop.upsert('products', 632910392, { ...documentedProduct, title: 'IPod Nano - 8GB' });
    const sent = await deliver(conn, 'products/update', product);
    expect(sent.status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, sent.eventId, 'processed');
    expect(await record(sys.rt.db, conn, 'product', '632910392')).toMatchObject({
      version: BigInt(Date.parse(product.updated_at as string)),
      deleted: false,
      data: { title: 'IPod Nano - 8GB', vendor: 'Apple' },
    });
    expect(shop.seen.map((s) => s.path)).toContain('/admin/api/2026-10/products/632910392.json');
  });

  it('refuses a delivery for another shop with 403 wrong_shop_domain', async () => {
    const conn = await connection('foreign');
    const sent = await deliver(conn, 'orders/updated', shop.upsert('orders', 1), {
      'x-shopify-shop-domain': 'someone-else.myshopify.com',
    });
    expect(sent).toMatchObject({ status: 403, body: { error: 'wrong_shop_domain' } });
  });

  it('turns products/delete into a tombstone versioned by X-Shopify-Triggered-At (the Admin API answers 404)', async () => {
    const conn = await connection('delete');
    const created = shop.upsert('products', 77, { title: 'doomed' });
    await waitForEventStatus(sys.rt.db, conn, (await deliver(conn, 'products/create', created)).eventId, 'processed');
    shop.remove('products', 77);
    const triggeredAt = new Date(Date.parse(created.updated_at as string) + 5000).toISOString();
    const sent = await deliver(conn, 'products/delete', { id: 77 }, { 'x-shopify-triggered-at': triggeredAt });
    await waitForEventStatus(sys.rt.db, conn, sent.eventId, 'processed');
    expect(await record(sys.rt.db, conn, 'product', '77')).toMatchObject({
      deleted: true,
      version: BigInt(Date.parse(triggeredAt)),
    });
  });

  it('tombstones an order the Admin API does not know (404) on orders/delete', async () => {
    const conn = await connection('unknown');
    const sent = await deliver(conn, 'orders/delete', { id: 999 });
    await waitForEventStatus(sys.rt.db, conn, sent.eventId, 'processed');
    expect(await record(sys.rt.db, conn, 'order', '999')).toMatchObject({ deleted: true });
  });

  it('waits out a 429 for its Retry-After, and retries a 503 without one on the connection schedule', async () => {
    const conn = await connection('limited');
    const order = shop.upsert('orders', 450789469, { name: '#1001', total_price: '598.94' });
    const orderPath = '/admin/api/2026-10/orders/450789469.json';
    shop.failNext(orderPath, 1, {
      status: 429,
      headers: { 'retry-after': '1.0' },
      body: {
        errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
      },
    });
    const first = await deliver(conn, 'orders/updated', order);
    const row = await waitForEventStatus(sys.rt.db, conn, first.eventId, 'processed');
    expect(row.attempts).toBe(2);
    // One request per attempt: the admin API client's own retries are off.
    const calls = shop.seen.filter((s) => s.path === orderPath);
    expect(calls).toHaveLength(2);
    // Retry-After (1.0 s) replaced the connection's 50 ms schedule as the retry's delay: a lower bound
    // on when the retry ran, which load can only move later (the fetch is a local activity, so the
    // worker waits, and the history has no retry event to read the delay from).
    expect(calls[1]!.atMs - calls[0]!.atMs).toBeGreaterThanOrEqual(1000);

    const again = shop.upsert('orders', 450789469, { total_price: '10.00' });
    shop.failNext(orderPath, 2, { status: 503 });
    const second = await deliver(conn, 'orders/updated', again);
    expect((await waitForEventStatus(sys.rt.db, conn, second.eventId, 'processed')).attempts).toBe(3);
    expect(await record(sys.rt.db, conn, 'order', '450789469')).toMatchObject({ data: { total_price: '10.00' } });
  });

  it('retries a 429 without Retry-After on the connection schedule', async () => {
    const conn = await connection('limited-bare');
    const order = shop.upsert('orders', 450789470, { name: '#1002' });
    const orderPath = '/admin/api/2026-10/orders/450789470.json';
    shop.failNext(orderPath, 2, { status: 429, body: { errors: 'Exceeded 2 calls per second for api client.' } });
    const sent = await deliver(conn, 'orders/updated', order);
    const row = await waitForEventStatus(sys.rt.db, conn, sent.eventId, 'processed');
    expect({ outcome: row.outcome, attempts: row.attempts }).toEqual({ outcome: 'applied', attempts: 3 });
    const calls = shop.seen.filter((s) => s.path === orderPath);
    expect(calls).toHaveLength(3);
    // The schedule's steps (50 ms, then 100 ms), not a Retry-After: lower bounds, as above.
    expect(calls[1]!.atMs - calls[0]!.atMs).toBeGreaterThanOrEqual(50);
    expect(calls[2]!.atMs - calls[1]!.atMs).toBeGreaterThanOrEqual(100);
  });

  it('retries a 404 on orders/updated as read lag, and tombstones at the body’s updated_at once the schedule is spent', async () => {
    const conn = await connection('lagging');
    const ghost = { id: 450789471, name: '#1003', updated_at: '2026-05-01T10:00:00-04:00' };
    const sent = await deliver(conn, 'orders/updated', ghost);
    const row = await waitForEventStatus(sys.rt.db, conn, sent.eventId, 'processed');
    // FAST_RETRY allows 4 attempts: 3 retried as lag, the last one tombstones.
    expect({ outcome: row.outcome, attempts: row.attempts }).toEqual({ outcome: 'tombstoned', attempts: 4 });
    expect(shop.seen.filter((s) => s.path === '/admin/api/2026-10/orders/450789471.json')).toHaveLength(4);
    expect(await record(sys.rt.db, conn, 'order', '450789471')).toMatchObject({
      deleted: true,
      version: BigInt(Date.parse(ghost.updated_at)),
    });
  });

  it('parks and alerts on a 401 at once, naming the credential', async () => {
    const conn = await connection('badtoken', { token: 'shpat_revoked' });
    const sent = await deliver(
      conn,
      'customers/update',
      shop.upsert('customers', 207119551, { email: 'bob.norman@mail.example.com' }),
    );
    const parked = await waitForEventStatus(sys.rt.db, conn, sent.eventId, 'parked');
    expect(parked.attempts).toBe(1);
    expect(parked.lastError).toMatch(/401.*credentials\.accessToken/);
    const alert = await waitFor('the parked alert', async () =>
      sink.received
        .map((a) => a.syncline as { kind: string; connectionId: string; connector: string; fields: Obj })
        .find((a) => a.kind === 'event.parked' && a.connectionId === conn),
    );
    expect(alert.connector).toBe('shopify');
    expect(String(alert.fields.lastError)).toMatch(/credentials\.accessToken/);
  });

  it('reconciles orders and products no webhook announced, over updated_at_min and page_info pages', async () => {
    // A shop of its own: the other tests' objects would change the page counts.
    const shop = await startFakeShopify({ accessToken: TOKEN });
    onTestFinished(() => shop.close());
    const conn = await connection('reconcile', {
      apiBaseUrl: shop.url,
      settings: { reconcileResources: ['orders', 'products'], reconcile: { pageSize: 2 } },
    });
    for (let id = 9001; id <= 9005; id++) shop.upsert('orders', id, { name: `#${id}` });
    shop.upsert('products', 9101, { title: 'listed product' });
    const run = async () =>
      ((await (await reconcileService(sys).runNow(conn, 'incremental')).result()) as ReconcileResult).status;
    expect(await run()).toBe('succeeded');
    for (let id = 9001; id <= 9005; id++)
      expect(await record(sys.rt.db, conn, 'order', String(id))).toMatchObject({ data: { name: `#${id}` } });
    expect(await record(sys.rt.db, conn, 'product', '9101')).toMatchObject({ data: { title: 'listed product' } });
    const firstList = shop.seen.find((s) => s.path === '/admin/api/2026-10/orders.json')!;
    expect(Object.fromEntries(firstList.query)).toEqual({ limit: '2', status: 'any' });
    // 5 orders at 2 a page: the later pages went by page_info alone (the fake refuses it combined with filters).
    expect(shop.seen.filter((s) => s.path === firstList.path && s.query.has('page_info'))).toHaveLength(2);

    // The next run asks only for what changed since the newest object the first one saw.
    shop.upsert('orders', 9003, { name: '#9003 edited' });
    const before = shop.seen.length;
    expect(await run()).toBe('succeeded');
    expect(await record(sys.rt.db, conn, 'order', '9003')).toMatchObject({ data: { name: '#9003 edited' } });
    const listed = shop.seen.slice(before).find((s) => s.path === '/admin/api/2026-10/orders.json')!;
    expect(listed.query.get('updated_at_min')).not.toBeNull();
  });

  it('with trustPayload, stores the body without calling the Admin API, except for deletes', async () => {
    const conn = await connection('trusted', { settings: { trustPayload: true } });
    const before = shop.seen.length;
    const body = { id: 5150, title: 'from the payload', updated_at: '2026-04-01T10:00:00-04:00' };
    const sent = await deliver(conn, 'products/update', body);
    await waitForEventStatus(sys.rt.db, conn, sent.eventId, 'processed');
    expect(await record(sys.rt.db, conn, 'product', '5150')).toMatchObject({ data: { title: 'from the payload' } });
    expect(shop.seen.length).toBe(before);
    const removed = await deliver(conn, 'products/delete', { id: 5150 });
    await waitForEventStatus(sys.rt.db, conn, removed.eventId, 'processed');
    expect(await record(sys.rt.db, conn, 'product', '5150')).toMatchObject({ deleted: true });
    expect(shop.seen.length).toBe(before + 1);
  });
});
