// PostgreSQL drops off the network while the receiver is up. The ack does not
// touch the database (thin ack): a delivery for a known connection is answered
// 202 as soon as Temporal holds it, within the partner's deadline, and its run
// records and processes it once the database is back; nothing is lost and
// nothing is applied twice. Where the receiver does need PostgreSQL (a
// connection not in its cache; a body too large for the workflow input, stored
// on its row first) it answers 503 with Retry-After rather than hang past the
// partner's deadline, and accepts the partner's retry once the database is
// back. The whole system reaches PostgreSQL through a TCP proxy that the tests
// cut (connections reset: a crashed server) or stall (nothing flows: a
// partition) and restore.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SignatureConfig } from '../../src/signatures';
import type { Delivery, PartnerEvent } from '../../dev/simulator';
import { eventCount, eventRow, waitForEventStatus } from '../support/events';
import { postRaw } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { startTcpProxy, viaProxy, type TcpProxy } from '../../dev/support/tcpProxy';
import { waitFor } from '../support/wait';
import { eventWorkflowId } from '../../src/ingest/workflowId';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_db_outage_secret';
// No test here measures how long an answer took (a loaded machine stretches any time). Each answer
// arrives while the database is still cut or stalled, which is what proves it did not wait for it:
// one that waited would never arrive before the restore that follows it, and the test would time out.
/** Only a guard against a hang: generous, so a loaded machine's slow answer is not taken for one. */
const HANG_GUARD_MS = 60_000;
const INLINE_MAX_BYTES = 2048;

let proxy: TcpProxy;
let sys: TestSystem;

beforeAll(async () => {
  const direct = new URL(inject('databaseUrl'));
  proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
  // Opened while the proxy is up: start-up runs migrations. A long cache TTL keeps
  // the connection lookup off the database once a connection has been seen.
  sys = await startTestSystem('db-outage', {
    DATABASE_URL: viaProxy(direct.toString(), proxy),
    CONNECTION_CACHE_TTL_MS: '600000',
    // Bounds how long a query may wait on a database that has gone silent.
    DATABASE_STATEMENT_TIMEOUT_MS: '2000',
    // Bodies over 2 KiB are stored on their row before the start.
    PAYLOAD_INLINE_MAX_BYTES: String(INLINE_MAX_BYTES),
  });
});
afterAll(async () => {
  proxy?.restore();
  await sys?.stop();
  await proxy?.close();
});

/** A new version of a real partner object, and the event announcing it. */
function announce(objectId: string, total: number): PartnerEvent {
  const snap = sys.partner.store.upsert('order', objectId, { total });
  return sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
}

function post(conn: string, delivery: Delivery) {
  return postRaw(`${sys.api.url}/webhooks/${conn}`, {
    headers: { ...delivery.headers },
    body: delivery.rawBody,
    timeoutMs: HANG_GUARD_MS,
  });
}

/** A new connection that has taken and processed one event, so the receiver has it cached. */
async function warmConnection(name: string, objectId: string, total: number) {
  const conn = await sys.addConnection({ name, signature: STRIPE, secrets: [SECRET] });
  const sender = sys.sender(conn, STRIPE, SECRET);
  const warm = announce(objectId, total);
  expect((await sender.deliver(warm)).status).toBe(202);
  await waitForEventStatus(sys.rt.db, conn, warm.id, 'processed');
  return { conn, sender };
}

describe('database outage', () => {
  it('answers 202 while PostgreSQL is unreachable, and the run records and processes the event once it is back', async () => {
    const { conn, sender } = await warmConnection('acme', 'o-warm', 1);
    const delivery = sender.build(announce('o-outage', 2));

    proxy.cut();
    const taken = await post(conn, delivery);

    expect({ status: taken.status, body: taken.json }).toMatchObject({
      status: 202,
      body: { status: 'accepted', eventId: delivery.eventId },
    });
    // Temporal holds it: the run is open, its first step retrying until the database answers.
    const run = await sys.client.workflow.getHandle(eventWorkflowId(conn, delivery.eventId)).describe();
    expect(run.status.name).toBe('RUNNING');

    const restoredAt = Date.now();
    proxy.restore();
    const row = await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed');
    expect(row).toMatchObject({ outcome: 'applied', deliveryCount: 1, runId: run.runId });
    // Recorded after the outage, with the time the receiver actually took the delivery.
    expect(row.receivedAt.getTime()).toBeLessThan(restoredAt);
    expect(row.acceptedAt!.getTime()).toBeGreaterThanOrEqual(restoredAt - 50);
    expect(sys.partner.store.fetchCount('order', 'o-outage')).toBe(1);
  });

  it('answers 503 database_unavailable when the connection lookup itself cannot reach PostgreSQL, then accepts the retry', async () => {
    // Never looked up before the outage, so not in the receiver's connection cache.
    const cold = await sys.addConnection({ name: 'cold', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(cold, STRIPE, SECRET);
    const delivery = sender.build(announce('o-cold', 3));

    proxy.cut();
    const refused = await post(cold, delivery);

    expect({ status: refused.status, body: refused.json }).toEqual({
      status: 503,
      body: { error: 'database_unavailable' },
    });
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);

    proxy.restore();
    expect((await sender.send(delivery)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, cold, delivery.eventId, 'processed');
  });

  it('answers 503 while PostgreSQL is still silent for a body that must be stored first, when PostgreSQL stops answering; the retry is processed once', async () => {
    const { conn, sender } = await warmConnection('stalled', 'o-stall-warm', 4);
    const big = announce('o-stalled', 5);
    big.data.object.note = 'x'.repeat(INLINE_MAX_BYTES * 2);
    const delivery = sender.build(big);
    expect(delivery.rawBody.length).toBeGreaterThan(INLINE_MAX_BYTES);

    proxy.stall();
    // Bounded by DATABASE_STATEMENT_TIMEOUT_MS (2 s here), answered while the database is still silent.
    const refused = await post(conn, delivery);

    expect({ status: refused.status, body: refused.json }).toEqual({
      status: 503,
      body: { error: 'database_unavailable' },
    });
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);

    proxy.restore();
    expect((await sender.send(delivery)).status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed');
    expect(row.outcome).toBe('applied');
    expect(row.payload?.length).toBe(delivery.rawBody.length);
    // The refused attempt's insert was on the wire when the partition began; the server may commit it
    // when the partition heals (then both deliveries are counted). Either way: one row, processed once.
    expect([1, 2]).toContain(row.deliveryCount);
    expect(await eventCount(sys.rt.db, conn)).toBe(2);
    expect(sys.partner.store.fetchCount('order', 'o-stalled')).toBe(1);
  });

  it('answers 202 while PostgreSQL stops answering without closing connections, and processes the event once it is back', async () => {
    const { conn, sender } = await warmConnection('partitioned', 'o-part-warm', 6);
    const delivery = sender.build(announce('o-partitioned', 7));

    proxy.stall();
    const taken = await post(conn, delivery);
    expect(taken.status).toBe(202);
    // A re-delivery during the partition is still a duplicate, counted once the database is back.
    expect((await post(conn, delivery)).status).toBe(200);

    proxy.restore();
    await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed');
    await waitFor('both deliveries counted', async () =>
      (await eventRow(sys.rt.db, conn, delivery.eventId))?.deliveryCount === 2 ? true : undefined,
    );
    expect(sys.partner.store.fetchCount('order', 'o-partitioned')).toBe(1);
  });
});
