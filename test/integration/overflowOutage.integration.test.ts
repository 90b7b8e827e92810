// A Temporal outage under OVERLOAD_MODE=overflow (issue 20 §2b): deliveries are
// answered 202 while Temporal is down, because each one is in the overflow inbox
// before its answer; once Temporal is back the relay drains the inbox and every
// event is processed. This file runs its own dev server so stopping it disturbs
// no other test file (as temporalOutage.integration.test.ts does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignatureConfig } from '../../src/signatures';
import { inboxEventIds } from '../../src/store/webhookInbox';
import { eventRow, waitForEventStatus } from '../support/events';
import { startOwnTemporal, type OwnTemporal } from '../support/ownTemporal';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_overflow_outage_secret';

let temporal: OwnTemporal | undefined;
let sys: TestSystem;

beforeAll(async () => {
  temporal = await startOwnTemporal('overflow-outage');
  sys = await startTestSystem('overflow-outage', {
    TEMPORAL_ADDRESS: temporal.address,
    OVERLOAD_MODE: 'overflow',
    // A short ack deadline keeps the admitted deliveries' answers quick during the outage.
    ACK_TIMEOUT_MS: '1500',
    INBOX_RELAY_IDLE_MS: '200',
  });
});
afterAll(async () => {
  await sys?.stop();
  await temporal?.stop();
});

describe('Temporal outage in overflow mode', () => {
  it('answers 202 from the inbox while Temporal is down and drains it once Temporal is back', async () => {
    const conn = await sys.addConnection({ name: 'acme', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(conn, STRIPE, SECRET);
    const announce = (objectId: string, total: number) => {
      const snap = sys.partner.store.upsert('order', objectId, { total });
      return sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    };

    await temporal!.stop();
    const events = [announce('o-1', 1), announce('o-2', 2), announce('o-3', 3)];
    for (const e of events) {
      const answer = await sender.deliver(e);
      expect(answer.status).toBe(202);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 'accepted', eventId: e.id });
    }
    expect((await inboxEventIds(sys.rt.db, conn)).sort()).toEqual(events.map((e) => e.id).sort());
    for (const e of events) expect(await eventRow(sys.rt.db, conn, e.id)).toBeNull();

    await temporal!.start();
    for (const e of events) {
      const row = await waitForEventStatus(sys.rt.db, conn, e.id, 'processed', 120_000);
      expect(row).toMatchObject({ outcome: 'applied', deliveryCount: 1 });
    }
    await waitFor('the inbox to empty', async () => (await inboxEventIds(sys.rt.db, conn)).length === 0);
  });
});
