// OVERLOAD_MODE=overflow (issue 20 §2b) on the real stack: past the admission
// limit a delivery is written to the overflow inbox and answered 202; a second
// delivery of a waiting event is a 200 duplicate; the relay starts each waiting
// event once, through the same EventStarter, and a relay that dies mid-drain
// loses nothing and starts nothing twice. The limit is forced by holding the
// process's only permit (limit 1), not by timing.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerEvent } from '../../dev/simulator';
import { isRefusal, type Permit } from '../../src/ingest/admission';
import { EventStarter } from '../../src/ingest/starter';
import type { ProcessEventInput } from '../../src/contracts/processEventContract';
import type { SignatureConfig } from '../../src/signatures/types';
import { claimInboxRows, inboxEventIds } from '../../src/store/webhookInbox';
import { waitForEventStatus } from '../support/events';
import { eventWorkflowId } from '../../src/ingest/workflowId';
import { postRaw } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { runsOf } from '../support/visibility';
import { waitFor } from '../support/wait';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_overflow_secret';
const LEASE_MS = 2_000;

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem('overflow', {
    OVERLOAD_MODE: 'overflow',
    ADMISSION_INITIAL_LIMIT: '1',
    ADMISSION_MIN_LIMIT: '1',
    ADMISSION_MAX_LIMIT: '1',
    INBOX_RELAY_LEASE_MS: String(LEASE_MS),
    INBOX_RELAY_IDLE_MS: '200',
  });
});
afterAll(async () => {
  await sys?.stop();
});

/** Takes the process's only permit: every delivery overflows and the relay cannot claim. */
function holdPermit(): Permit {
  const p = sys.api.admission.tryAcquire();
  if (isRefusal(p)) throw new Error(`permit refused: ${p.refused}`);
  return p;
}

function announce(objectId: string, total: number): PartnerEvent {
  const snap = sys.partner.store.upsert('order', objectId, { total });
  return sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
}

async function runExists(workflowId: string): Promise<boolean> {
  return sys.client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      () => true,
      () => false,
    );
}

describe('overflow inbox', () => {
  it('answers 202 once the inbox row commits, 200 to a duplicate while it waits, and the relay processes it once', async () => {
    const conn = await sys.addConnection({ name: 'acme', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(conn, STRIPE, SECRET);
    const permit = holdPermit();
    const delivery = sender.build(announce(`o-${crypto.randomBytes(3).toString('hex')}`, 1));
    const first = await postRaw(`${sys.api.url}/webhooks/${conn}`, {
      headers: { ...delivery.headers },
      body: delivery.rawBody,
    });
    expect({ status: first.status, body: first.json }).toMatchObject({
      status: 202,
      body: { status: 'accepted', eventId: delivery.eventId },
    });
    expect(await inboxEventIds(sys.rt.db, conn)).toEqual([delivery.eventId]);
    const again = await sender.send(delivery);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ status: 'duplicate', eventId: delivery.eventId });
    expect(await inboxEventIds(sys.rt.db, conn)).toEqual([delivery.eventId]);
    // Nothing reached Temporal while the permit was held.
    expect(await runExists(eventWorkflowId(conn, delivery.eventId))).toBe(false);

    sys.api.admission.release(permit, 'neutral');
    const row = await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed', 60_000);
    expect(row.outcome).toBe('applied');
    await waitFor('the inbox to empty', async () => (await inboxEventIds(sys.rt.db, conn)).length === 0);
    expect(await runsOf(sys.client, row.workflowId)).toBe(1);
  });

  it('loses nothing and starts nothing twice when a relay dies mid-drain', async () => {
    const conn = await sys.addConnection({ name: 'crash', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(conn, STRIPE, SECRET);
    const permit = holdPermit();
    const events = Array.from({ length: 5 }, (_, i) =>
      announce(`o-crash-${crypto.randomBytes(3).toString('hex')}-${i}`, i),
    );
    for (const e of events) expect((await sender.deliver(e)).status).toBe(202);
    expect(await inboxEventIds(sys.rt.db, conn)).toHaveLength(5);

    // The relay that dies: it claims every row, starts two of them in Temporal (as the API's relay
    // would, through an EventStarter), and is gone before it removes anything.
    const queue = sys.rt.env.TEMPORAL_TASK_QUEUE;
    const dying = await claimInboxRows(sys.rt.db, queue, 100, LEASE_MS);
    expect(dying).toHaveLength(5);
    const starter = new EventStarter(sys.client, queue, 10_000);
    for (const r of dying.slice(0, 2))
      expect(await starter.start(r.workflowId, JSON.parse(r.input) as ProcessEventInput)).toBe('created');
    // While its lease lasts, another relay cannot take the rows (SKIP LOCKED and the lease).
    expect(await claimInboxRows(sys.rt.db, queue, 100, LEASE_MS)).toEqual([]);

    // The API's relay takes them up once the lease ends.
    sys.api.admission.release(permit, 'neutral');
    for (const e of events) {
      const row = await waitForEventStatus(sys.rt.db, conn, e.id, 'processed', 60_000);
      expect(await runsOf(sys.client, row.workflowId)).toBe(1);
    }
    await waitFor('the inbox to empty', async () => (await inboxEventIds(sys.rt.db, conn)).length === 0);
  });
});
