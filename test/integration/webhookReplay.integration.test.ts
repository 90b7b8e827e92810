// A captured GitHub-style delivery (the signature covers the body, the delivery
// id is an unsigned header) replayed under new delivery ids: each replay is
// answered as a duplicate of the first and starts nothing, while the partner's
// own re-delivery (same id) and new bodies go through as before. The partner
// here is syncline's simulator, signing as GitHub does (HMAC-SHA256 of the body).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignatureConfig } from '../../src/signatures/types';
import { eventCount, waitForEventStatus } from '../support/events';
import { startTestSystem, type TestSystem } from '../support/system';

const GITHUB: SignatureConfig = { scheme: 'github' };
const SECRET = 'github_replay_secret';

let sys: TestSystem;
let off: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem('replay-guard');
  off = await startTestSystem('replay-off', { WEBHOOK_REPLAY_WINDOW_SEC: '0' });
});
afterAll(async () => {
  await Promise.all([sys?.stop(), off?.stop()]);
});

async function captured(s: TestSystem, conn: string, objectId: string) {
  const snap = s.partner.store.upsert('order', objectId, { total: 1 });
  const event = s.partner.events.fromChange(s.partner.store.changeAt(snap.version)!);
  const sender = s.sender(conn, GITHUB, SECRET);
  const delivery = sender.build(event);
  const replay = (deliveryId: string) =>
    sender.send({ ...delivery, headers: { ...delivery.headers, 'x-github-delivery': deliveryId } });
  return { event, sender, delivery, replay };
}

describe('replayed body-only signatures', () => {
  it('answers a captured delivery replayed under new ids as a duplicate of the first, and starts nothing', async () => {
    const conn = await sys.addConnection({ name: 'gh', signature: GITHUB, secrets: [SECRET] });
    const { event, sender, delivery, replay } = await captured(sys, conn, 'r-1');
    expect((await sender.send(delivery)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');

    for (const id of ['forged-1', 'forged-2', 'forged-3']) {
      const r = await replay(id);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'duplicate', eventId: event.id });
    }
    // The partner's own re-delivery keeps its id: the ordinary duplicate.
    expect((await sender.send(delivery)).status).toBe(200);
    expect(await eventCount(sys.rt.db, conn)).toBe(1);
    expect(sys.partner.store.fetchCount('order', 'r-1')).toBe(1);

    // A new body is a new delivery.
    const next = await captured(sys, conn, 'r-2');
    expect((await next.sender.send(next.delivery)).status).toBe(202);
  });

  it('lets every replay start a run when the window is 0 (what the guard prevents)', async () => {
    const conn = await off.addConnection({ name: 'gh', signature: GITHUB, secrets: [SECRET] });
    const { event, sender, delivery, replay } = await captured(off, conn, 'r-off');
    expect((await sender.send(delivery)).status).toBe(202);
    await waitForEventStatus(off.rt.db, conn, event.id, 'processed');
    const r = await replay('forged-1');
    expect(r.status).toBe(202);
    const forgedId = (JSON.parse(r.body) as { eventId: string }).eventId;
    expect(forgedId).not.toBe(event.id);
    await waitForEventStatus(off.rt.db, conn, forgedId, 'processed');
    expect(await eventCount(off.rt.db, conn)).toBe(2);
  });
});
