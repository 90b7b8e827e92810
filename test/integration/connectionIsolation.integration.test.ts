// Two customers on the same connector: one connection each, each with its own
// signing secret and its own partner account (a second simulator). A delivery
// signed for one is refused by the other, and records, events and partner
// calls never cross, even when object ids and partner event ids coincide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPartnerSimulator, type PartnerEvent, type PartnerSimulator } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures';
import { eventCount, eventRow, record, waitForEventStatus } from '../support/events';
import { postRaw } from '../support/http';
import { PARTNER_API_KEY, startTestSystem, type TestSystem } from '../support/system';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET_A = 'whsec_customer_a_secret';
const SECRET_B = 'whsec_customer_b_secret';

let sys: TestSystem;
let partnerB: PartnerSimulator;

beforeAll(async () => {
  sys = await startTestSystem('isolation');
  partnerB = await startPartnerSimulator({ apiKey: PARTNER_API_KEY, eventIdPrefix: `${sys.prefix}-b` });
});
afterAll(async () => {
  await partnerB?.close();
  await sys?.stop();
});

async function twoConnections(label: string): Promise<{ a: string; b: string }> {
  const a = await sys.addConnection({ name: `${label}-a`, signature: STRIPE, secrets: [SECRET_A] });
  const b = await sys.addConnection({
    name: `${label}-b`,
    signature: STRIPE,
    secrets: [SECRET_B],
    apiBaseUrl: partnerB.url,
  });
  return { a, b };
}

function announce(partner: PartnerSimulator, objectId: string, data: Record<string, string | number>): PartnerEvent {
  const snap = partner.store.upsert('customer', objectId, data);
  return partner.events.fromChange(partner.store.changeAt(snap.version)!);
}

describe('two connections of the same connector', () => {
  it('refuses at B a delivery signed for A, and writes nothing for either', async () => {
    const { a, b } = await twoConnections('cross-sig');
    const delivery = sys.sender(a, STRIPE, SECRET_A).build(announce(sys.partner, 'c-signed-for-a', { name: 'Ada' }));

    const res = await postRaw(`${sys.api.url}/webhooks/${b}`, {
      headers: { ...delivery.headers },
      body: delivery.rawBody,
    });

    expect({ status: res.status, body: res.json }).toEqual({ status: 401, body: { error: 'invalid_signature' } });
    expect(await eventCount(sys.rt.db, b)).toBe(0);
    expect(await eventCount(sys.rt.db, a)).toBe(0);
  });

  it('keeps the same object and event id delivered to both as two rows, each with its own data', async () => {
    const { a, b } = await twoConnections('same-ids');
    const objectId = 'c-shared';
    const eventA = announce(sys.partner, objectId, { name: 'Ada at A' });
    // Partner event ids are only unique within one account: B's event reuses A's id on purpose.
    const eventB = { ...announce(partnerB, objectId, { name: 'Bob at B' }), id: eventA.id };

    const resA = await sys.sender(a, STRIPE, SECRET_A).deliver(eventA);
    const resB = await sys.sender(b, STRIPE, SECRET_B).deliver(eventB);
    expect([resA.status, resB.status]).toEqual([202, 202]);

    const [rowA, rowB] = await Promise.all([
      waitForEventStatus(sys.rt.db, a, eventA.id, 'processed'),
      waitForEventStatus(sys.rt.db, b, eventB.id, 'processed'),
    ]);
    expect(rowA.workflowId).not.toBe(rowB.workflowId);
    expect(await record(sys.rt.db, a, 'customer', objectId)).toMatchObject({
      connectionId: a,
      data: { name: 'Ada at A' },
    });
    expect(await record(sys.rt.db, b, 'customer', objectId)).toMatchObject({
      connectionId: b,
      data: { name: 'Bob at B' },
    });
    // Each connection fetched from its own partner account, once.
    expect(sys.partner.store.fetchCount('customer', objectId)).toBe(1);
    expect(partnerB.store.fetchCount('customer', objectId)).toBe(1);
    expect([await eventCount(sys.rt.db, a), await eventCount(sys.rt.db, b)]).toEqual([1, 1]);
  });

  it('does not treat a delivery to B as a duplicate of the same event already processed for A', async () => {
    const { a, b } = await twoConnections('no-cross-dedupe');
    const eventA = announce(sys.partner, 'c-dedupe', { name: 'first' });
    expect((await sys.sender(a, STRIPE, SECRET_A).deliver(eventA)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, a, eventA.id, 'processed');

    const eventB = { ...announce(partnerB, 'c-dedupe', { name: 'second' }), id: eventA.id };
    const resB = await sys.sender(b, STRIPE, SECRET_B).deliver(eventB);

    expect(resB.status).toBe(202);
    expect(JSON.parse(resB.body)).toMatchObject({ status: 'accepted' });
    await waitForEventStatus(sys.rt.db, b, eventB.id, 'processed');
    expect(await eventRow(sys.rt.db, a, eventA.id)).toMatchObject({ deliveryCount: 1 });
    expect(await record(sys.rt.db, a, 'customer', 'c-dedupe')).toMatchObject({ data: { name: 'first' } });
    expect(await record(sys.rt.db, b, 'customer', 'c-dedupe')).toMatchObject({ data: { name: 'second' } });
  });
});
