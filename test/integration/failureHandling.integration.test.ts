// Failure handling on the real dev server: retry schedule, parking with an
// alert, operator replay and skip (single and bulk), Retry-After, supersede.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperatorService } from '../../src/operator/operatorService';
import { summarizeHistory } from '../../src/operator/history';
import type { PartnerEvent } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { stateQuery } from '../../src/contracts/processEventMessages';
import { startAlertSink, type AlertSink } from '../support/alertSink';
import { eventRow, record, waitForEventStatus } from '../support/events';
import { startTestSystem, TEST_UI_URL, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'gh-failure-secret';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 4, scheduleMs: [50, 100, 200] };

let sys: TestSystem;
let sink: AlertSink;
let ops: OperatorService;

beforeAll(async () => {
  sink = await startAlertSink();
  sys = await startTestSystem('failures', {
    ALERT_WEBHOOK_URL: sink.url,
    ALERT_GROUP_WINDOW_MS: '3000',
    ALERT_FLUSH_INTERVAL_MS: '600000',
  });
  ops = new OperatorService(sys.rt.db, sys.client, { uiUrl: TEST_UI_URL, namespace: 'default' });
});
afterAll(async () => {
  await sys?.stop();
  await sink?.close();
});

async function connection(name: string): Promise<string> {
  return sys.addConnection({ name, signature: SIG, secrets: [SECRET], settings: { retry: FAST_RETRY } });
}

async function deliverChange(
  conn: string,
  type: string,
  id: string,
  data: Record<string, string | number> = { n: 1 },
): Promise<PartnerEvent> {
  const snap = sys.partner.store.upsert(type, id, data);
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
  expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
  return event;
}

const alertsFor = (eventId: string) =>
  sink.received.filter((a) => (a.syncline as { fields?: { eventId?: string } })?.fields?.eventId === eventId);

describe('failure handling', () => {
  it('processes an event once after the partner fails twice, with the attempts visible', async () => {
    const conn = await connection('flaky');
    sys.partner.faults.failNext({ type: 'order', id: 'f-1' }, 2, { status: 500 });
    const event = await deliverChange(conn, 'order', 'f-1');
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(row.attempts).toBe(3);
    expect((await record(sys.rt.db, conn, 'order', 'f-1'))?.writeCount).toBe(1);
    // The third attempt's marker (the fetch is a local activity): what `syncline events show` reads.
    // The row turns processed before the task that records the marker completes: read it once the run has.
    const handle = sys.client.workflow.getHandle(row.workflowId);
    await handle.result();
    const history = await handle.fetchHistory();
    expect(summarizeHistory(history)).toMatchObject({ activities: { fetchAndFinish: 1 }, lastActivityAttempt: 3 });
  });

  it('parks a permanently failing event, alerts with every field, and replays it once the partner recovers', async () => {
    const conn = await connection('perm');
    sys.partner.faults.failAlways({ type: 'order', id: 'p-1' }, { status: 403 });
    const event = await deliverChange(conn, 'order', 'p-1', { total: 9 });
    const parked = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    expect(sys.partner.store.fetchCount('order', 'p-1')).toBe(1); // a permanent 4xx is not retried
    expect(parked.firstFailedAt).toBeInstanceOf(Date);

    const [alert] = await waitFor('the parked alert', async () =>
      alertsFor(event.id).length ? alertsFor(event.id) : undefined,
    );
    expect(typeof alert!.text).toBe('string');
    const body = alert!.syncline as {
      kind: string;
      connectionId: string;
      connector: string;
      link: string;
      command: string;
      fields: Record<string, unknown>;
    };
    expect(body).toMatchObject({ kind: 'event.parked', connectionId: conn, connector: 'rest' });
    expect(body.fields).toMatchObject({
      connection: conn,
      connector: 'rest',
      eventId: event.id,
      eventType: event.type,
      objectId: 'p-1',
      attempts: 1,
    });
    expect(String(body.fields.lastError)).toContain('403');
    expect(Date.parse(String(body.fields.firstFailedAt))).not.toBeNaN();
    expect(body.command).toBe(`npx syncline events replay ${conn} ${event.id}`);
    expect(body.link).toBe(`${TEST_UI_URL}/namespaces/default/workflows/${encodeURIComponent(parked.workflowId)}`);

    const visible = await waitFor('the parked search attribute', async () => {
      const { count } = await sys.client.workflow.count(`SynclineConnection = "${conn}" AND SynclineStatus = "parked"`);
      return count === 1;
    });
    expect(visible).toBe(true);

    sys.partner.faults.clear({ type: 'order', id: 'p-1' });
    const result = await ops.replay(conn, event.id, { by: 'alice', reason: 'partner fixed permissions' });
    expect(result).toMatchObject({ action: 'replay', status: 'processed' });
    expect(await record(sys.rt.db, conn, 'order', 'p-1')).toMatchObject({ data: { total: 9 } });
    const actions = await sys.rt.db.operatorAction.findMany({ where: { connectionId: conn } });
    expect(actions).toMatchObject([{ action: 'replay', actor: 'alice', reason: 'partner fixed permissions' }]);
  });

  it('skips a parked event only with a reason, and records who and why', async () => {
    const conn = await connection('skip');
    sys.partner.faults.failAlways({ type: 'order', id: 's-1' }, { status: 422 });
    const event = await deliverChange(conn, 'order', 's-1');
    await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');

    await expect(ops.skip(conn, event.id, { by: 'bob' })).rejects.toThrow(/reason is required/);
    const result = await ops.skip(conn, event.id, { by: 'bob', reason: 'test object, never existed' });
    expect(result).toMatchObject({ action: 'skip', status: 'skipped' });
    const row = await eventRow(sys.rt.db, conn, event.id);
    expect(row).toMatchObject({ status: 'skipped', resolution: 'test object, never existed' });
    await expect(ops.replay(conn, event.id, { by: 'bob' })).rejects.toThrow(/no longer running|not parked/);
    const actions = await sys.rt.db.operatorAction.findMany({ where: { connectionId: conn } });
    expect(actions).toMatchObject([
      { action: 'skip', actor: 'bob', reason: 'test object, never existed', result: 'skipped' },
    ]);
  });

  it('parks an event whose retries are exhausted', async () => {
    const conn = await connection('exhausted');
    sys.partner.faults.failAlways({ type: 'order', id: 'x-1' }, { status: 503 });
    const event = await deliverChange(conn, 'order', 'x-1');
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    expect(sys.partner.store.fetchCount('order', 'x-1')).toBe(FAST_RETRY.maximumAttempts);
    expect(row.attempts).toBe(FAST_RETRY.maximumAttempts);
  });

  it('bulk-replays parked events matching a filter after a dry run that counts them', async () => {
    const conn = await connection('bulk');
    const ids = ['b-1', 'b-2', 'b-3'];
    for (const id of ids) sys.partner.faults.failAlways({ type: 'invoice', id }, { status: 400 });
    const events = [];
    for (const id of ids) events.push(await deliverChange(conn, 'invoice', id));
    for (const e of events) await waitForEventStatus(sys.rt.db, conn, e.id, 'parked');

    const filter = { connectionId: conn, eventType: 'invoice.created' };
    const dry = await waitFor('visibility to list all three', async () => {
      const r = await ops.bulk({ action: 'replay', filter, dryRun: true, by: 'carol' });
      return r.matched === 3 ? r : undefined;
    });
    expect(dry).toMatchObject({ matched: 3, acted: 0, dryRun: true });
    expect(dry.query).toContain(`SynclineConnection = "${conn}"`);
    for (const e of events) expect((await eventRow(sys.rt.db, conn, e.id))?.status).toBe('parked');

    for (const id of ids) sys.partner.faults.clear({ type: 'invoice', id });
    const done = await ops.bulk({
      action: 'replay',
      filter,
      dryRun: false,
      by: 'carol',
      reason: 'partner outage over',
    });
    expect(done).toMatchObject({ matched: 3, acted: 3, failed: 0 });
    for (const e of events) await waitForEventStatus(sys.rt.db, conn, e.id, 'processed');
  });

  it('waits exactly as long as a 429 Retry-After says before the next attempt', async () => {
    const conn = await connection('ratelimited');
    // When each fetch of r-1 reaches the partner: the fetch is a local activity (generation 3),
    // retried in the worker, so its wait leaves no event in the history.
    const reached: number[] = [];
    const faults = sys.partner.faults;
    const beforeFetch = faults.beforeFetch.bind(faults);
    faults.beforeFetch = (ref) => {
      if (ref.id === 'r-1') reached.push(Date.now());
      return beforeFetch(ref);
    };
    try {
      faults.failNext({ type: 'order', id: 'r-1' }, 1, { status: 429, retryAfterSec: 2 });
      const event = await deliverChange(conn, 'order', 'r-1');
      const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
      expect(row.attempts).toBe(2);
      expect(reached).toHaveLength(2);
      expect(reached[1]! - reached[0]!).toBeGreaterThanOrEqual(2_000);
      const handle = sys.client.workflow.getHandle(row.workflowId);
      await handle.result(); // the marker is recorded when the run's task completes, after the row turned processed
      const history = await handle.fetchHistory();
      expect(summarizeHistory(history)).toMatchObject({ activities: { fetchAndFinish: 1 }, lastActivityAttempt: 2 });
    } finally {
      faults.beforeFetch = beforeFetch;
    }
  });

  it('resolves a parked event as superseded when a newer version of its object is applied', async () => {
    const conn = await connection('supersede');
    sys.partner.faults.failAlways({ type: 'deal', id: 'd-1' }, { status: 403 });
    const old = await deliverChange(conn, 'deal', 'd-1', { stage: 'new' });
    const parked = await waitForEventStatus(sys.rt.db, conn, old.id, 'parked');

    sys.partner.faults.clear({ type: 'deal', id: 'd-1' });
    const newer = await deliverChange(conn, 'deal', 'd-1', { stage: 'won' });
    await waitForEventStatus(sys.rt.db, conn, newer.id, 'processed');
    const resolved = await waitForEventStatus(sys.rt.db, conn, old.id, 'superseded');
    expect(resolved.resolution).toMatch(/object reached version \d+ via webhook:/);
    const result = await sys.client.workflow.getHandle(parked.workflowId).result();
    expect(result).toMatchObject({ status: 'superseded' });
    const actions = await sys.rt.db.operatorAction.findMany({ where: { connectionId: conn } });
    expect(actions).toMatchObject([{ action: 'superseded', actor: 'syncline' }]);
  });

  it('groups a storm of parked events on one connection into one alert and one summary', async () => {
    const conn = await connection('storm');
    const ids = ['st-1', 'st-2', 'st-3', 'st-4', 'st-5'];
    for (const id of ids) sys.partner.faults.failAlways({ type: 'order', id }, { status: 403 });
    const events = [];
    for (const id of ids) events.push(await deliverChange(conn, 'order', id));
    for (const e of events) await waitForEventStatus(sys.rt.db, conn, e.id, 'parked');
    const ofConn = () => sink.received.filter((a) => (a.syncline as { connectionId?: string }).connectionId === conn);
    await waitFor('the first alert', async () => ofConn().length >= 1);
    expect(ofConn()).toHaveLength(1);

    // The window (3 s here) must close before its summary is due.
    await waitFor('the summary', async () => (await sys.worker!.alerter.flush()) > 0 && ofConn().length === 2, 15_000);
    const summary = ofConn()[1]!.syncline as { grouped: boolean; suppressed: number };
    expect(summary).toMatchObject({ grouped: true, suppressed: 4 });
  });

  it('answers a state query with the status, runs and actions of a parked event', async () => {
    const conn = await connection('query');
    sys.partner.faults.failAlways({ type: 'order', id: 'q-1' }, { status: 403 });
    const event = await deliverChange(conn, 'order', 'q-1');
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    const state = await waitFor('parked state', async () => {
      const s = await sys.client.workflow.getHandle(row.workflowId).query(stateQuery);
      return s.status === 'parked' ? s : undefined;
    });
    expect(state).toMatchObject({ status: 'parked', runs: 1, actions: [] });
    expect(state.lastError).toContain('403');
    const shown = await ops.showEvent(conn, event.id);
    expect(shown.workflow).toMatchObject({ status: 'RUNNING', state: { status: 'parked' } });
    expect(shown.workflow?.history?.activities.fetchAndFinish).toBe(1);
    expect(shown.link).toContain(encodeURIComponent(row.workflowId));
  });
});
