// Temporal goes away while the receiver is up: a new delivery gets 503 with
// Retry-After and nothing is recorded (the partner keeps the event and retries). After the server comes back on the same port and the same
// SQLite file, the partner's retry of that exact delivery is accepted and
// processed by the same worker, and history from before the outage survives.
// This file runs its own dev server so stopping it disturbs no other test file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignatureConfig } from '../../src/signatures';
import { eventRow, waitForEventStatus } from '../support/events';
import { postRaw } from '../support/http';
import { startOwnTemporal, type OwnTemporal } from '../support/ownTemporal';
import { startTestSystem, type TestSystem } from '../support/system';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_temporal_outage_secret';

let temporal: OwnTemporal | undefined;
let sys: TestSystem;

beforeAll(async () => {
  temporal = await startOwnTemporal('temporal-outage');
  // A short ack deadline keeps the outage answer quick. Shed mode: without the overflow inbox (the
  // default, whose outage answer is overflowOutage.integration.test.ts) the partner keeps the event.
  sys = await startTestSystem('temporal-outage', {
    TEMPORAL_ADDRESS: temporal.address,
    ACK_TIMEOUT_MS: '2000',
    OVERLOAD_MODE: 'shed',
  });
});
afterAll(async () => {
  await sys?.stop();
  await temporal?.stop();
});

describe('Temporal outage', () => {
  it('answers 503 temporal_unavailable with Retry-After while Temporal is down, then accepts and processes the retry after restart', async () => {
    const conn = await sys.addConnection({ name: 'acme', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(conn, STRIPE, SECRET);
    const announce = (objectId: string, total: number) => {
      const snap = sys.partner.store.upsert('order', objectId, { total });
      return sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    };

    const before = announce('o-before', 1);
    expect((await sender.deliver(before)).status).toBe(202);
    const beforeRow = await waitForEventStatus(sys.rt.db, conn, before.id, 'processed');
    // The row turns 'processed' inside the run; wait for the run itself to close before the outage.
    await sys.client.workflow.getHandle(beforeRow.workflowId).result();

    await temporal!.stop();
    const delivery = sender.build(announce('o-during', 2));
    const refused = await postRaw(`${sys.api.url}/webhooks/${conn}`, {
      headers: { ...delivery.headers },
      body: delivery.rawBody,
    });

    expect({ status: refused.status, body: refused.json }).toEqual({
      status: 503,
      body: { error: 'temporal_unavailable' },
    });
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    // Never 2xx unless Temporal holds the event; the refused delivery left no row behind.
    expect(await eventRow(sys.rt.db, conn, delivery.eventId)).toBeNull();

    await temporal!.start();
    const retried = await sender.send(delivery);

    expect(retried.status).toBe(202);
    expect(JSON.parse(retried.body)).toMatchObject({ status: 'accepted', eventId: delivery.eventId });
    const row = await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed');
    // The refused attempt never reached the database, so the retry is the delivery it records.
    expect(row).toMatchObject({ outcome: 'applied', deliveryCount: 1 });
    const survived = await sys.client.workflow.getHandle(beforeRow.workflowId).describe();
    expect(survived.status.name).toBe('COMPLETED');
  });
});
