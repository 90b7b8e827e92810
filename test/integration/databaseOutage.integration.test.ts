// PostgreSQL drops off the network while the receiver is up: the receiver must
// answer 503 with Retry-After (the partner keeps the event and retries) rather
// than hang past the partner's deadline, and once the database is back the
// partner's retry of that same delivery is accepted and processed. The whole
// system reaches PostgreSQL through a TCP proxy that the tests cut (connections
// reset: a crashed server) or stall (nothing flows: a partition) and restore.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SignatureConfig } from '../../src/signatures';
import type { Delivery, PartnerEvent } from '../../src/simulator';
import { eventRow, waitForEventStatus } from '../support/events';
import { postRaw } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { startTcpProxy, viaProxy, type TcpProxy } from '../support/tcpProxy';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_db_outage_secret';
/** The longest partner deadline we design for (partners give 1-10 s); a loose bound, not a benchmark. */
const PARTNER_DEADLINE_MS = 10_000;

let proxy: TcpProxy;
let sys: TestSystem;

beforeAll(async () => {
  const direct = new URL(inject('databaseUrl'));
  proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
  // Opened while the proxy is up: start-up runs migrations. A long cache TTL keeps
  // the connection lookup off the database, so the outage hits recording the event.
  sys = await startTestSystem('db-outage', {
    DATABASE_URL: viaProxy(direct.toString(), proxy),
    CONNECTION_CACHE_TTL_MS: '600000',
    // Bounds how long a query may wait on a database that has gone silent.
    DATABASE_STATEMENT_TIMEOUT_MS: '2000',
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
  return postRaw(`${sys.api.url}/webhooks/${conn}`, { headers: { ...delivery.headers }, body: delivery.rawBody });
}

describe('database outage', () => {
  it('answers 503 database_unavailable with Retry-After while PostgreSQL is unreachable, then accepts and processes the retry', async () => {
    const conn = await sys.addConnection({ name: 'acme', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(conn, STRIPE, SECRET);
    const warm = announce('o-warm', 1);
    expect((await sender.deliver(warm)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, warm.id, 'processed');
    const delivery = sender.build(announce('o-outage', 2));

    proxy.cut();
    const startedAt = Date.now();
    const refused = await post(conn, delivery);
    const elapsedMs = Date.now() - startedAt;

    expect({ status: refused.status, body: refused.json }).toEqual({ status: 503, body: { error: 'database_unavailable' } });
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(elapsedMs).toBeLessThan(PARTNER_DEADLINE_MS);

    proxy.restore();
    const retried = await sender.send(delivery);

    expect(retried.status).toBe(202);
    expect(JSON.parse(retried.body)).toMatchObject({ status: 'accepted', eventId: delivery.eventId });
    const row = await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed');
    expect(row.outcome).toBe('applied');
    // The refused attempt left no row behind: the retry is the first delivery the database saw.
    expect(await eventRow(sys.rt.db, conn, delivery.eventId)).toMatchObject({ deliveryCount: 1 });
  });

  it('answers 503 database_unavailable when the connection lookup itself cannot reach PostgreSQL, then accepts the retry', async () => {
    // Never looked up before the outage, so not in the receiver's connection cache.
    const cold = await sys.addConnection({ name: 'cold', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(cold, STRIPE, SECRET);
    const delivery = sender.build(announce('o-cold', 3));

    proxy.cut();
    const refused = await post(cold, delivery);

    expect({ status: refused.status, body: refused.json }).toEqual({ status: 503, body: { error: 'database_unavailable' } });
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);

    proxy.restore();
    expect((await sender.send(delivery)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, cold, delivery.eventId, 'processed');
  });

  it('answers 503 within the partner deadline when PostgreSQL stops answering without closing connections, then accepts the retry', async () => {
    const conn = await sys.addConnection({ name: 'stalled', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(conn, STRIPE, SECRET);
    const warm = announce('o-stall-warm', 4);
    expect((await sender.deliver(warm)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, warm.id, 'processed');
    const delivery = sender.build(announce('o-stalled', 5));

    proxy.stall();
    const startedAt = Date.now();
    const refused = await post(conn, delivery);
    const elapsedMs = Date.now() - startedAt;

    expect({ status: refused.status, body: refused.json }).toEqual({ status: 503, body: { error: 'database_unavailable' } });
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(elapsedMs).toBeLessThan(PARTNER_DEADLINE_MS);

    proxy.restore();
    expect((await sender.send(delivery)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed');
  });
});
