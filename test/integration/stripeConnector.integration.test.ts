// The stripe connector end to end on the real Temporal dev server and
// PostgreSQL: deliveries shaped like Stripe's events (data.object is a fixture
// object served by stripe-mock) and signed by the `stripe` library's
// webhooks.generateTestHeaderString, answered by the receiver, fetched through
// the `stripe` library and recorded.
//
// Which checks run against what:
//  - stripe-mock (Stripe's official mock, .tools/bin/stripe-mock): the fetch of
//    every type in the table, the fence on an unchanged object, the list
//    endpoints of reconciliation (incremental, and the full diff's id walk),
//    and the 401 for a key that is not a key.
//  - our stateful layer in front of it (test/support/stripeLayer.ts), for what a
//    stateless mock cannot play: an object whose state changes, a deleted
//    object, 404 resource_missing (on a delete, and on an update until the retry
//    schedule is spent), 429 with and without Retry-After, Stripe-Should-Retry
//    true and false, and a customer stripe-mock does not list (the full diff).
import path from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/contracts/reconcileContract';
import { ReconcileService } from '../../src/reconcile/reconcileService';
import { ScheduleManager } from '../../src/reconcile/schedules';
import { findStripeMock, startStripeMock, type StripeMock } from '../../dev/support/stripeMock';
import { startAlertSink, type AlertSink } from '../support/alertSink';
import { record, waitForEventStatus } from '../support/events';
import { startStripeLayer, stripeError, type StripeLayer } from '../support/stripeLayer';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const SECRET = 'whsec_stripe_connector_test';
const KEY = 'sk_test_syncline';

let sys: TestSystem;
let mock: StripeMock;
let layer: StripeLayer;
let sink: AlertSink;
let conn: string;
let seq = 0;

async function addStripeConnection(name: string, o: { key?: string; settings?: Record<string, unknown> } = {}) {
  const id = `${sys.prefix}-${name}`;
  await sys.rt.connections.upsert({
    id,
    connector: 'stripe',
    enabled: true,
    apiBaseUrl: layer.url,
    signingSecrets: [SECRET],
    credentials: { secretKey: o.key ?? KEY },
    settings: { retry: { scheduleMs: [50], maximumAttempts: 4 }, ...o.settings },
  });
  return id;
}

/** stripe-mock's fixture for one object (it answers any id with its fixture, carrying that id). */
async function fixture(collection: string, id: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${mock.url}/v1/${collection}/${id}`, { headers: { authorization: `Bearer ${KEY}` } });
  return (await res.json()) as Record<string, unknown>;
}

/** A Stripe event around `object`, as Stripe sends it. */
function stripeEvent(type: string, object: Record<string, unknown>) {
  seq += 1;
  return {
    id: `evt_${sys.prefix.replace(/-/g, '')}${seq}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

async function deliver(connectionId: string, event: ReturnType<typeof stripeEvent>) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
  const res = await fetch(`${sys.api.url}/webhooks/${connectionId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  return res.status;
}

beforeAll(async () => {
  const binary = findStripeMock(path.resolve(__dirname, '../..'));
  if (!binary) throw new Error('stripe-mock is missing: run scripts/ensure-stripe-mock.sh');
  mock = await startStripeMock(binary);
  layer = await startStripeLayer(mock.url);
  sink = await startAlertSink();
  sys = await startTestSystem('stripe', { ALERT_WEBHOOK_URL: sink.url, ALERT_GROUP_WINDOW_MS: '1' });
  conn = await addStripeConnection('acct');
});
afterAll(async () => {
  await sys?.stop();
  await layer?.close();
  await mock?.stop();
  await sink?.close();
});

describe('stripe connector against stripe-mock', () => {
  const table = [
    ['customer', 'customers', 'cus'],
    ['charge', 'charges', 'ch'],
    ['invoice', 'invoices', 'in'],
    ['payment_intent', 'payment_intents', 'pi'],
    ['subscription', 'subscriptions', 'sub'],
    ['product', 'products', 'prod'],
    ['price', 'prices', 'price'],
  ] as const;

  it('syncs every type of the table from a signed event: webhook -> GET /v1/<plural>/<id> -> record', async () => {
    const events = [];
    for (const [type, collection, prefix] of table) {
      const id = `${prefix}_sync${seq}`;
      const object = await fixture(collection, id);
      expect(object).toMatchObject({ id, object: type });
      const event = stripeEvent(`${type}.updated`, object);
      expect(await deliver(conn, event)).toBe(202);
      events.push({ event, type, id, collection });
    }
    for (const { event, type, id, collection } of events) {
      const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
      expect(row.outcome).toBe('applied');
      const rec = await record(sys.rt.db, conn, type, id);
      expect(rec?.data).toEqual(await fixture(collection, id));
      expect(rec!.version).toBeGreaterThan(BigInt(Date.now() - 600_000) * 1000n); // microseconds, fetch start
      expect(layer.count(`/v1/${collection}/${id}`)).toBe(1);
    }
    expect(layer.requests.every((r) => r.key === KEY)).toBe(true);
  });

  it('moves only the version when an object is read again unchanged (a fence): no write counted', async () => {
    const object = await fixture('customers', 'cus_fence');
    const first = stripeEvent('customer.updated', object);
    expect(await deliver(conn, first)).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, first.id, 'processed');
    const before = await record(sys.rt.db, conn, 'customer', 'cus_fence');
    const again = stripeEvent('customer.updated', object);
    expect(await deliver(conn, again)).toBe(202);
    expect((await waitForEventStatus(sys.rt.db, conn, again.id, 'processed')).outcome).toBe('unchanged');
    const after = await record(sys.rt.db, conn, 'customer', 'cus_fence');
    expect(after!.version).toBeGreaterThan(before!.version);
    expect(after!.writeCount).toBe(1);
  });

  it('reconciles over the list endpoints of every type, and a second walk writes nothing', async () => {
    const recon = await addStripeConnection('recon');
    const queue = `test-${sys.prefix}`;
    const schedules = new ScheduleManager(sys.client, sys.rt.db, sys.rt.connections, queue, sys.rt.log);
    const service = new ReconcileService(sys.client, sys.rt.db, schedules, queue);
    const first = (await (await service.runNow(recon, 'incremental')).result()) as ReconcileResult;
    // stripe-mock lists one fixture per type and says has_more: false: one page per type.
    expect(first).toMatchObject({ status: 'succeeded', pages: table.length, recordsChanged: table.length });
    for (const [, collection] of table) expect(layer.count(`/v1/${collection}`)).toBeGreaterThanOrEqual(1);
    expect(layer.requests.some((r) => r.path === '/v1/subscriptions?status=all&limit=100')).toBe(true);
    const records = await sys.rt.db.syncRecord.findMany({ where: { connectionId: recon } });
    expect(records.map((r) => r.objectType).sort()).toEqual(table.map(([t]) => t).sort());

    const second = (await (await service.runNow(recon, 'incremental')).result()) as ReconcileResult;
    expect(second).toMatchObject({ status: 'succeeded', pages: table.length, recordsChanged: 0 });
    const again = await sys.rt.db.syncRecord.findMany({ where: { connectionId: recon } });
    expect(again.every((r) => r.writeCount === 1)).toBe(true);
  });

  it('runs the full diff over the same list walk (ids only) and tombstones what Stripe no longer lists', async () => {
    const diffed = await addStripeConnection('fulldiff');
    const queue = `test-${sys.prefix}`;
    const schedules = new ScheduleManager(sys.client, sys.rt.db, sys.rt.connections, queue, sys.rt.log);
    const service = new ReconcileService(sys.client, sys.rt.db, schedules, queue);
    const listed = (await (await service.runNow(diffed, 'incremental')).result()) as ReconcileResult;
    expect(listed).toMatchObject({ status: 'succeeded', recordsChanged: table.length });
    // A customer we hold (from a webhook) that stripe-mock's customer list does not carry: deleted at Stripe.
    const event = stripeEvent('customer.updated', await fixture('customers', 'cus_unlisted'));
    expect(await deliver(diffed, event)).toBe(202);
    await waitForEventStatus(sys.rt.db, diffed, event.id, 'processed');
    const listsBefore = layer.requests.length;

    const full = (await (await service.runNow(diffed, 'full')).result()) as ReconcileResult;
    expect(full).toMatchObject({ status: 'succeeded', recordsDeleted: 1 });
    expect(await record(sys.rt.db, diffed, 'customer', 'cus_unlisted')).toMatchObject({ deleted: true, data: null });
    const kept = await sys.rt.db.syncRecord.findMany({ where: { connectionId: diffed, deleted: false } });
    expect(kept.map((r) => r.objectType).sort()).toEqual(table.map(([t]) => t).sort());
    // The ids came from the list endpoint of every type.
    const walked = layer.requests.slice(listsBefore).map((r) => r.path.split('?')[0]);
    for (const [, collection] of table) expect(walked).toContain(`/v1/${collection}`);
  });

  it('parks and alerts on a 401, naming the credential (stripe-mock refuses a key that is not a test key)', async () => {
    const bad = await addStripeConnection('badkey', { key: 'not_a_key' });
    const event = stripeEvent('customer.updated', await fixture('customers', 'cus_401'));
    expect(await deliver(bad, event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, bad, event.id, 'parked');
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain('credentials.secretKey');
    const alert = await waitFor('the parked alert', async () =>
      sink.received.find((a) => JSON.stringify(a).includes(event.id)),
    );
    expect(JSON.stringify(alert)).toContain('credentials.secretKey');
  });
});

describe('stripe connector against the stateful layer', () => {
  it('records the current state the API answers, not the event copy, and a later change wins', async () => {
    const object = await fixture('customers', 'cus_state');
    layer.answer('/v1/customers/cus_state', { status: 200, body: { ...object, name: 'v2' } }, 1);
    const stale = stripeEvent('customer.updated', { ...object, name: 'v1' });
    expect(await deliver(conn, stale)).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, stale.id, 'processed');
    expect((await record(sys.rt.db, conn, 'customer', 'cus_state'))?.data).toMatchObject({ name: 'v2' });

    layer.answer('/v1/customers/cus_state', { status: 200, body: { ...object, name: 'v3' } }, 1);
    const next = stripeEvent('customer.updated', { ...object, name: 'v3' });
    expect(await deliver(conn, next)).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, next.id, 'processed');
    expect(await record(sys.rt.db, conn, 'customer', 'cus_state')).toMatchObject({
      data: expect.objectContaining({ name: 'v3' }),
      writeCount: 2,
    });
  });

  it('tombstones a customer the API answers "deleted": true', async () => {
    layer.answer('/v1/customers/cus_gone', {
      status: 200,
      body: { id: 'cus_gone', object: 'customer', deleted: true },
    });
    const event = stripeEvent('customer.deleted', await fixture('customers', 'cus_gone'));
    expect(await deliver(conn, event)).toBe(202);
    expect((await waitForEventStatus(sys.rt.db, conn, event.id, 'processed')).outcome).toBe('tombstoned');
    expect(await record(sys.rt.db, conn, 'customer', 'cus_gone')).toMatchObject({ deleted: true, data: null });
  });

  it('tombstones a 404 resource_missing at once on a delete event', async () => {
    layer.answer('/v1/products/prod_gone', {
      status: 404,
      body: stripeError('invalid_request_error', 'No such product', 'resource_missing'),
    });
    const event = stripeEvent('product.deleted', await fixture('products', 'prod_gone'));
    expect(await deliver(conn, event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect({ outcome: row.outcome, attempts: row.attempts }).toEqual({ outcome: 'tombstoned', attempts: 1 });
    expect(await record(sys.rt.db, conn, 'product', 'prod_gone')).toMatchObject({ deleted: true });
  });

  it('retries a 404 resource_missing on a create event as read lag, then records the object (issue 16 §2.4)', async () => {
    layer.answer(
      '/v1/products/prod_new',
      { status: 404, body: stripeError('invalid_request_error', 'No such product', 'resource_missing') },
      2,
    );
    const event = stripeEvent('product.created', await fixture('products', 'prod_new'));
    expect(await deliver(conn, event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect({ outcome: row.outcome, attempts: row.attempts }).toEqual({ outcome: 'applied', attempts: 3 });
    expect(await record(sys.rt.db, conn, 'product', 'prod_new')).toMatchObject({ deleted: false });
  });

  it('waits out a 429 for its Retry-After instead of the connection schedule (10 minutes here)', async () => {
    const slow = await addStripeConnection('slow-schedule', {
      settings: { retry: { scheduleMs: [600_000], maximumAttempts: 3 } },
    });
    layer.answer(
      '/v1/charges/ch_limited',
      { status: 429, body: stripeError('rate_limit_error', 'Too many requests'), headers: { 'retry-after': '1' } },
      1,
    );
    const event = stripeEvent('charge.updated', await fixture('charges', 'ch_limited'));
    expect(await deliver(slow, event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, slow, event.id, 'processed');
    expect({ outcome: row.outcome, attempts: row.attempts }).toEqual({ outcome: 'applied', attempts: 2 });
    // One request per attempt: the stripe library's own retries are off (maxNetworkRetries: 0).
    expect(layer.count('/v1/charges/ch_limited')).toBe(2);
  });

  it('retries a 429 without Retry-After on the connection schedule', async () => {
    layer.answer(
      '/v1/charges/ch_limited2',
      { status: 429, body: stripeError('rate_limit_error', 'Too many requests') },
      2,
    );
    const event = stripeEvent('charge.updated', await fixture('charges', 'ch_limited2'));
    expect(await deliver(conn, event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect({ outcome: row.outcome, attempts: row.attempts }).toEqual({ outcome: 'applied', attempts: 3 });
    expect(layer.count('/v1/charges/ch_limited2')).toBe(3);
  });

  it('retries when Stripe says Stripe-Should-Retry: true, even on a status that is otherwise permanent', async () => {
    layer.answer(
      '/v1/invoices/in_retry',
      {
        status: 400,
        body: stripeError('invalid_request_error', 'lock timeout', 'lock_timeout'),
        headers: { 'stripe-should-retry': 'true' },
      },
      1,
    );
    const event = stripeEvent('invoice.updated', await fixture('invoices', 'in_retry'));
    expect(await deliver(conn, event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect({ outcome: row.outcome, attempts: row.attempts }).toEqual({ outcome: 'applied', attempts: 2 });
  });

  it('tombstones a 404 resource_missing on an update event once the retry schedule is spent, at its fetch start', async () => {
    layer.answer('/v1/customers/cus_never', {
      status: 404,
      body: stripeError('invalid_request_error', 'No such customer', 'resource_missing'),
    });
    const event = stripeEvent('customer.updated', await fixture('customers', 'cus_never'));
    expect(await deliver(conn, event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    // The connection allows 4 attempts: the first 3 are retried as read lag, the last one tombstones.
    expect({ outcome: row.outcome, attempts: row.attempts }).toEqual({ outcome: 'tombstoned', attempts: 4 });
    expect(layer.count('/v1/customers/cus_never')).toBe(4);
    const rec = await record(sys.rt.db, conn, 'customer', 'cus_never');
    expect(rec).toMatchObject({ deleted: true, data: null });
    expect(rec!.version).toBe(row.appliedVersion);
  });

  it('parks at once when Stripe says Stripe-Should-Retry: false, even on a 5xx', async () => {
    layer.answer('/v1/invoices/in_never', {
      status: 500,
      body: stripeError('api_error', 'cannot be completed'),
      headers: { 'stripe-should-retry': 'false' },
    });
    const event = stripeEvent('invoice.updated', await fixture('invoices', 'in_never'));
    expect(await deliver(conn, event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain('Stripe-Should-Retry: false');
  });

  it('parks an event of a type with no API path, with an error saying how to add one', async () => {
    const event = stripeEvent('balance.available', { id: 'bal_1', object: 'balance' });
    expect(await deliver(conn, event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    expect(row.lastError).toContain('settings.paths');
  });
});
