// The webhook fast path end to end: signed delivery -> 202 -> processEvent on
// the real Temporal dev server -> the partner's current state in PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEventRow } from '../../src/store/webhookEvents';
import { UnknownConnectionError } from '../../src/errors/connectionErrors';
import { NON_RETRYABLE_ERROR_TYPES } from '../../src/errors';
import type { SignatureConfig } from '../../src/signatures/types';
import { record, waitForEventStatus, eventRow } from '../support/events';
import { deleteClosedRun } from '../support/deleteRun';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_fastpath_secret';

let sys: TestSystem;
let conn: string;

beforeAll(async () => {
  sys = await startTestSystem('fastpath');
  conn = await sys.addConnection({ name: 'acme', signature: STRIPE, secrets: [SECRET] });
});
afterAll(async () => {
  await sys?.stop();
});

describe('webhook fast path', () => {
  it('turns a delivered event into the partner current state in PostgreSQL', async () => {
    const snap = sys.partner.store.upsert('order', 'o-1', { total: 42, currency: 'EUR' });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    const res = await sys.sender(conn, STRIPE, SECRET).deliver(event);

    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'accepted', eventId: event.id });
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(row.outcome).toBe('applied');
    const rec = await record(sys.rt.db, conn, 'order', 'o-1');
    expect(rec).toMatchObject({ version: BigInt(snap.version), deleted: false, data: { total: 42, currency: 'EUR' } });
  });

  it('processes the same event delivered 20 times concurrently exactly once', async () => {
    const snap = sys.partner.store.upsert('order', 'o-dup', { total: 7 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    const sender = sys.sender(conn, STRIPE, SECRET);
    const delivery = sender.build(event);

    const results = await Promise.all(Array.from({ length: 20 }, () => sender.send(delivery)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    for (const r of results.filter((x) => x.status === 200)) expect(JSON.parse(r.body).status).toBe('duplicate');

    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    // The 19 duplicates are counted off the ack path, in batches.
    await waitFor('all 20 deliveries counted', async () =>
      (await eventRow(sys.rt.db, conn, event.id))?.deliveryCount === 20 ? true : undefined,
    );
    // Side effects, counted where they happen: one partner fetch, one row write, one workflow run.
    expect(sys.partner.store.fetchCount('order', 'o-dup')).toBe(1);
    expect((await record(sys.rt.db, conn, 'order', 'o-dup'))?.writeCount).toBe(1);
    const runs = await sys.client.workflow.count(`WorkflowId = "${row.workflowId}"`);
    expect(runs.count).toBe(1);
  });

  it('answers a late re-delivery of a processed event as a duplicate without processing it again', async () => {
    const snap = sys.partner.store.upsert('order', 'o-late', { total: 1 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    const sender = sys.sender(conn, STRIPE, SECRET);
    expect((await sender.deliver(event)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');

    const again = await sender.deliver(event);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body).status).toBe('duplicate');
    expect(sys.partner.store.fetchCount('order', 'o-late')).toBe(1);
  });

  it('after Temporal has forgotten a processed event, answers its re-delivery 202 and the new run stops at the row', async () => {
    const snap = sys.partner.store.upsert('order', 'o-forgotten', { total: 3 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    const sender = sys.sender(conn, STRIPE, SECRET);
    const delivery = sender.build(event);
    expect((await sender.send(delivery)).status).toBe(202);
    const first = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    const handle = sys.client.workflow.getHandle(first.workflowId);

    // What retention does to a closed run: delete it, so its workflow id is free again.
    await deleteClosedRun(sys.client, first.workflowId);

    const again = await sender.send(delivery);
    expect(again.status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'duplicate', outcome: null, runs: 0 });
    // The backstop held: no second fetch, no second write; the row keeps the run that processed it.
    expect(sys.partner.store.fetchCount('order', 'o-forgotten')).toBe(1);
    expect((await record(sys.rt.db, conn, 'order', 'o-forgotten'))?.writeCount).toBe(1);
    expect(await eventRow(sys.rt.db, conn, event.id)).toMatchObject({
      status: 'processed',
      deliveryCount: 2,
      runId: first.runId,
    });
  });

  it('records a delivery once per run, however often the registration step is retried', async () => {
    const args = {
      connectionId: conn,
      eventId: `evt_${sys.prefix}_reg`,
      eventType: 'order.updated',
      objectType: 'order',
      objectId: 'o-reg',
      objectVersion: 1,
      payloadBytes: 10,
      receivedAtMs: Date.now() - 5_000,
    };
    const workflowId = `event:${conn}:${args.eventId}`;
    const row = () => eventRow(sys.rt.db, conn, args.eventId);

    const first = await registerEventRow(sys.rt.db, args, { workflowId, runId: 'run-a' });
    const retried = await registerEventRow(sys.rt.db, args, { workflowId, runId: 'run-a' });
    expect(retried).toEqual(first);
    expect(first).toMatchObject({ status: 'accepted', alreadyFinal: false });
    expect(await row()).toMatchObject({ deliveryCount: 1, runId: 'run-a', receivedAt: new Date(args.receivedAtMs) });

    // A later run (the first one ended abnormally) is another delivery.
    await registerEventRow(sys.rt.db, args, { workflowId, runId: 'run-b' });
    expect(await row()).toMatchObject({ deliveryCount: 2, runId: 'run-b' });

    // Once processed, the row keeps the run that processed it and says so to any later run.
    await sys.rt.db.webhookEvent.update({ where: { id: BigInt(first.eventRowId) }, data: { status: 'processed' } });
    expect(await registerEventRow(sys.rt.db, args, { workflowId, runId: 'run-c' })).toMatchObject({
      alreadyFinal: true,
      status: 'processed',
    });
    expect(await row()).toMatchObject({ deliveryCount: 3, runId: 'run-b' });
  });

  it('fails registration without retrying when the connection does not exist', async () => {
    const args = {
      connectionId: `${sys.prefix}-gone`,
      eventId: 'evt_gone',
      eventType: 'x',
      objectType: 'order',
      objectId: 'o',
      objectVersion: null,
      payloadBytes: 1,
      receivedAtMs: Date.now(),
    };
    const err = await registerEventRow(sys.rt.db, args, { workflowId: 'event:gone', runId: 'r' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnknownConnectionError);
    expect(NON_RETRYABLE_ERROR_TYPES).toContain((err as Error).name);
  });

  it('starts a fresh run for a re-delivery after the first run was terminated, and answers that one 202', async () => {
    const snap = sys.partner.store.upsert('order', 'o-term', { total: 9 });
    sys.partner.faults.failAlways({ type: 'order', id: 'o-term' }, { status: 503 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    const sender = sys.sender(conn, STRIPE, SECRET);
    const delivery = sender.build(event);
    expect((await sender.send(delivery)).status).toBe(202);
    const { workflowId } = await waitFor('the first run retrying the fetch', async () => {
      const r = await eventRow(sys.rt.db, conn, event.id);
      return r && sys.partner.store.fetchCount('order', 'o-term') > 0 ? r : undefined;
    });
    // An open run: a re-delivery attaches to it.
    expect((await sender.send(delivery)).status).toBe(200);
    await sys.client.workflow.getHandle(workflowId).terminate('test: run ended abnormally');
    sys.partner.faults.clear({ type: 'order', id: 'o-term' });

    // The reuse policy lets the partner's retry start the event afresh; that delivery made Temporal hold it.
    const again = await sender.send(delivery);
    expect(again.status).toBe(202);
    expect(JSON.parse(again.body).status).toBe('accepted');
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect((await sys.client.workflow.count(`WorkflowId = "${workflowId}"`)).count).toBe(2);
  });

  it('applies out-of-order events through the version guard when the partner answers each with the state it announced', async () => {
    const store = sys.partner.store;
    const snaps = [
      store.upsert('deal', 'd-ooo', { stage: 'new' }),
      store.upsert('deal', 'd-ooo', { stage: 'won' }),
      store.upsert('deal', 'd-ooo', { stage: 'closed' }),
    ];
    const [v1, v2, v3] = snaps.map((s) => ({
      snap: s,
      event: sys.partner.events.fromChange(store.changeAt(s.version)!),
    }));
    const sender = sys.sender(conn, STRIPE, SECRET);
    // Delivered v2, v1, v3, and a lagging partner answers each fetch with the version its event announced.
    const outcomes: Array<string | null> = [];
    for (const { snap, event } of [v2!, v1!, v3!]) {
      sys.partner.faults.answerNextWith(snap);
      expect((await sender.deliver(event)).status).toBe(202);
      outcomes.push((await waitForEventStatus(sys.rt.db, conn, event.id, 'processed')).outcome);
    }
    // v2 is written; v1 arrives older than what is stored and the guard refuses it; v3 is written.
    expect(outcomes).toEqual(['applied', 'unchanged', 'applied']);
    expect(sys.partner.store.fetchCount('deal', 'd-ooo')).toBe(3);
    const rec = await record(sys.rt.db, conn, 'deal', 'd-ooo');
    expect(rec).toMatchObject({
      version: BigInt(v3!.snap.version),
      data: { stage: 'closed' },
      writeCount: 2,
      source: `webhook:${v3!.event.id}`,
    });
  });

  it('keeps a deleted object deleted when its delete arrives before its create', async () => {
    const store = sys.partner.store;
    const created = store.upsert('ticket', 't-del', { title: 'hello' });
    const deleted = store.delete('ticket', 't-del');
    const [createEvent, deleteEvent] = [created, deleted].map((s) =>
      sys.partner.events.fromChange(store.changeAt(s.version)!),
    );
    const sender = sys.sender(conn, STRIPE, SECRET);
    expect((await sender.deliver(deleteEvent!)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, deleteEvent!.id, 'processed');
    expect((await sender.deliver(createEvent!)).status).toBe(202);
    const late = await waitForEventStatus(sys.rt.db, conn, createEvent!.id, 'processed');

    expect(late.outcome).toBe('unchanged');
    const rec = await record(sys.rt.db, conn, 'ticket', 't-del');
    expect(rec).toMatchObject({ deleted: true, version: BigInt(deleted.version) });
  });

  // Issue 16 §2.4: a just-created object can answer 404 for a while (read-after-write lag). Tombstoning it at the
  // version the event announced would make every later delivery at that version a no-op: the object would be lost.
  it('retries a bare 404 on a non-delete event as read lag, and applies the object once the partner serves it', async () => {
    const snap = sys.partner.store.upsert('order', 'o-lagging', { total: 9 });
    sys.partner.faults.failNext({ type: 'order', id: 'o-lagging' }, 2, { status: 404 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    expect(event.type).toBe('order.created');
    expect((await sys.sender(conn, STRIPE, SECRET).deliver(event)).status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(row.outcome).toBe('applied');
    expect(row.attempts).toBe(3);
    expect(await record(sys.rt.db, conn, 'order', 'o-lagging')).toMatchObject({
      deleted: false,
      version: BigInt(snap.version),
      data: { total: 9 },
    });
  });

  it('tombstones a bare 404 on a non-delete event only once the retry schedule is spent', async () => {
    const short = await sys.addConnection({
      name: 'short-schedule',
      signature: STRIPE,
      secrets: [SECRET],
      settings: { retry: { scheduleMs: [50], maximumAttempts: 3 } },
    });
    const event = {
      id: `evt_${sys.prefix}_ghost`,
      type: 'order.created' as const,
      created: 0,
      data: { object: { type: 'order', id: 'o-ghost', version: 3, deleted: false } },
    };
    expect((await sys.sender(short, STRIPE, SECRET).deliver(event)).status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, short, event.id, 'processed');
    expect(row.outcome).toBe('tombstoned');
    expect(row.attempts).toBe(3);
    expect(await record(sys.rt.db, short, 'order', 'o-ghost')).toMatchObject({ deleted: true, version: 3n });
  });

  it('tombstones a bare 404 on a delete event at once', async () => {
    const event = {
      id: `evt_${sys.prefix}_ghost_deleted`,
      type: 'order.deleted' as const,
      created: 0,
      data: { object: { type: 'order', id: 'o-ghost-deleted', version: 4, deleted: true } },
    };
    expect((await sys.sender(conn, STRIPE, SECRET).deliver(event)).status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(row.outcome).toBe('tombstoned');
    expect(row.attempts).toBe(1);
    expect(await record(sys.rt.db, conn, 'order', 'o-ghost-deleted')).toMatchObject({ deleted: true, version: 4n });
  });

  it('retries a partner 503 and counts the attempts, then processes the event', async () => {
    const snap = sys.partner.store.upsert('order', 'o-flaky', { total: 5 });
    sys.partner.faults.failNext({ type: 'order', id: 'o-flaky' }, 2, { status: 503 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    expect((await sys.sender(conn, STRIPE, SECRET).deliver(event)).status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(row.attempts).toBe(3);
    expect(sys.partner.store.fetchCount('order', 'o-flaky')).toBe(3);
  });

  it('does not retry a permanent partner 4xx and parks the event', async () => {
    const snap = sys.partner.store.upsert('order', 'o-forbidden', { total: 5 });
    sys.partner.faults.failAlways({ type: 'order', id: 'o-forbidden' }, { status: 403 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    expect((await sys.sender(conn, STRIPE, SECRET).deliver(event)).status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    expect(row.lastError).toContain('403');
    expect(sys.partner.store.fetchCount('order', 'o-forbidden')).toBe(1);
  });

  it('keeps an oversized payload in the database and hands the workflow a reference', async () => {
    const trusted = await sys.addConnection({
      name: 'trusting',
      signature: STRIPE,
      secrets: [SECRET],
      settings: { trustPayload: true },
    });
    const big = 'x'.repeat(200 * 1024);
    const event = {
      id: `evt_${sys.prefix}_big`,
      type: 'doc.updated' as const,
      created: 0,
      data: { object: { type: 'doc', id: 'doc-1', version: 9, deleted: false, body: big } },
    };
    expect((await sys.sender(trusted, STRIPE, SECRET).deliver(event)).status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, trusted, event.id, 'processed');
    expect(row.payload?.length).toBeGreaterThan(200 * 1024);
    const handle = sys.client.workflow.getHandle(row.workflowId);
    const history = await handle.fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const inputBytes = started?.input?.payloads?.[0]?.data?.length ?? 0;
    expect(inputBytes).toBeLessThan(10 * 1024);
    const rec = await waitFor('record', () => record(sys.rt.db, trusted, 'doc', 'doc-1'));
    expect((rec.data as { body: string }).body).toHaveLength(big.length);
    expect(await eventRow(sys.rt.db, trusted, event.id)).toMatchObject({ payloadBytes: row.payloadBytes });
  });
});
