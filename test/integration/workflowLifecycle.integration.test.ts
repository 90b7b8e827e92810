// What the Temporal Web UI and CLI let an engineer do to a syncline workflow
// (terminate, cancel, reset, signal or update with any JSON), done on the real
// dev server, and what each leaves behind: every row settled, nothing retrying
// forever, every event replayable and in the end processed once (issue 16).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPartnerSimulator, type PartnerEvent, type PartnerSimulator } from '../../dev/simulator';
import { startTcpProxy, viaProxy, type CountingTcpProxy, type TcpProxy } from '../../dev/support/tcpProxy';
import type { SweepResult } from '../../src/activities/lifecycleSweep';
import { stateQuery } from '../../src/contracts/processEventMessages';
import { OperatorService } from '../../src/operator/operatorService';
import type { SignatureConfig } from '../../src/signatures/types';
import { targetFromEnv } from '../../src/temporal/connection';
import { statusQuery } from '../../src/temporal/searchAttributes';
import { runWorker, type RunningWorker } from '../../src/worker/runWorker';
import { sweepClosedWorkflows } from '../../src/workflows/sweepClosedWorkflows';
import { eventRow, record, waitForEventStatus } from '../support/events';
import {
  PROCESS_EVENT_SIGNALS,
  PROCESS_EVENT_UPDATES,
  resetWorkflow,
  sendJunkSignals,
  sendJunkUpdates,
  workflowTaskFailures,
} from '../../dev/support/workflowActions';
import { PARTNER_API_KEY, startTestSystem, TEST_UI_URL, type TestSystem } from '../support/system';
import { runCli } from '../support/cli';
import { waitFor } from '../support/wait';
import { changesSettings, reconcileService } from '../support/reconcileFixtures';
import { RECONCILE_SIGNALS } from '../../dev/support/workflowActions';
import { readCheckpoint } from '../../src/store/reconcileState';
import { insertInboxEntry } from '../../src/store/webhookInbox';

const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'gh-lifecycle-secret';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 3, scheduleMs: [50, 100] };
/**
 * After a failed attempt the next one is 90 s away: long enough to act on an event while it is retrying,
 * and past the SDK's 1 min local retry threshold, so the run waits on a timer with its workflow task
 * closed, as it does for the default schedule's 5 min and later steps (generation 3 fetches as a local
 * activity; a shorter wait would hold the task open, which the `processing` state covers).
 */
const SLOW_RETRY = { initialIntervalMs: 90_000, maximumIntervalMs: 90_000, maximumAttempts: 3, scheduleMs: [90_000] };

let sys: TestSystem;
let worker: RunningWorker | undefined;
let ops: OperatorService;
const proxies: TcpProxy[] = [];
const partners: PartnerSimulator[] = [];
const connections: string[] = [];

const startWorker = async () => {
  worker = await runWorker(sys.rt, targetFromEnv(sys.rt.env), {
    workflowBundlePath: inject('workflowBundlePath'),
    uiUrl: TEST_UI_URL,
    opsPort: 0,
  });
};

beforeAll(async () => {
  sys = await startTestSystem('lifecycle', {}, { inProcessWorker: false });
  await startWorker();
  ops = new OperatorService(sys.rt.db, sys.client, { uiUrl: TEST_UI_URL, namespace: 'default' });
});
afterAll(async () => {
  for (const p of proxies) p.restore();
  await worker?.stop();
  await sys?.stop();
  for (const p of proxies) await p.close();
  for (const p of partners) await p.close();
});

/** A path to the partner where every request hangs until restore(): fetches stay in flight. */
async function stalledPartner(): Promise<CountingTcpProxy> {
  const partner = new URL(sys.partner.url);
  const proxy = await startTcpProxy(partner.hostname, Number(partner.port));
  proxy.stall();
  proxies.push(proxy);
  return proxy;
}

async function connection(name: string, settings: Record<string, unknown> = {}, apiBaseUrl?: string) {
  const id = await sys.addConnection({
    name,
    signature: SIG,
    secrets: [SECRET],
    apiBaseUrl,
    settings: { retry: FAST_RETRY, ...settings },
  });
  connections.push(id);
  return id;
}

async function deliverChange(conn: string, type: string, id: string, data: Record<string, string | number>) {
  const snap = sys.partner.store.upsert(type, id, data);
  const event: PartnerEvent = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
  expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
  return { event, version: snap.version };
}

/** The sweep as its schedule runs it, over this file's connections, with no grace period. */
function sweep(connectionIds = connections): Promise<SweepResult> {
  return sys.client.workflow.execute(sweepClosedWorkflows, {
    taskQueue: sys.rt.env.TEMPORAL_TASK_QUEUE,
    workflowId: `sweep-${sys.prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`,
    args: [{ graceMs: 0, connectionIds }],
  });
}

const statusOf = async (workflowId: string) => (await sys.client.workflow.getHandle(workflowId).describe()).status.name;

describe('an engineer acting on a workflow from outside (issue 16)', () => {
  it('settles a parked event whose workflow was terminated once a newer version of its object is processed', async () => {
    const conn = await connection('terminated-parked');
    sys.partner.faults.failAlways({ type: 'deal', id: 't-1' }, { status: 400 });
    const { event: old } = await deliverChange(conn, 'deal', 't-1', { stage: 'new' });
    const parked = await waitForEventStatus(sys.rt.db, conn, old.id, 'parked');
    await sys.client.workflow.getHandle(parked.workflowId).terminate('engineer in the Web UI');

    sys.partner.faults.clear({ type: 'deal', id: 't-1' });
    const { event: newer } = await deliverChange(conn, 'deal', 't-1', { stage: 'won' });
    const processed = await waitForEventStatus(sys.rt.db, conn, newer.id, 'processed');
    // The reported bug: this run retried supersedeParkedEvents without end and never completed.
    const done = await waitFor('the newer event run to complete', async () => {
      const d = await sys.client.workflow.getHandle(processed.workflowId).describe();
      return d.status.name === 'COMPLETED' ? d : undefined;
    });
    // Processed at its first try: it keeps the `processing` its start set, and the documented query finds it.
    expect(done.searchAttributes.SynclineStatus).toEqual(['processing']);
    await waitFor(
      'visibility to list it as processed',
      async () =>
        (await sys.client.workflow.count(`WorkflowId = "${processed.workflowId}" AND ${statusQuery('processed')}`))
          .count === 1,
    );
    const settled = await waitFor('the old row to be settled', async () => {
      const row = await eventRow(sys.rt.db, conn, old.id);
      return row?.status !== 'parked' ? row : undefined;
    });
    expect(settled.status).toBe('superseded');
    expect(await record(sys.rt.db, conn, 'deal', 't-1')).toMatchObject({ data: { stage: 'won' } });
    const actions = await sys.rt.db.operatorAction.findMany({ where: { eventRowId: settled.id } });
    expect(actions).toMatchObject([{ action: 'superseded', actor: 'syncline', result: 'superseded' }]);
  });

  it('records a cancelled parked event as cancelled (row and search attribute), and replays it from the CLI', async () => {
    const conn = await connection('cancel-parked');
    sys.partner.faults.failAlways({ type: 'deal', id: 'c-1' }, { status: 400 });
    const { event, version } = await deliverChange(conn, 'deal', 'c-1', { stage: 'new' });
    const parked = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    await sys.client.workflow.getHandle(parked.workflowId).cancel();
    const cancelled = await waitForEventStatus(sys.rt.db, conn, event.id, 'cancelled');
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
    const d = await waitFor('the run to end cancelled', async () => {
      const x = await sys.client.workflow.getHandle(parked.workflowId).describe();
      return x.status.name === 'CANCELLED' ? x : undefined;
    });
    expect(d.searchAttributes.SynclineStatus).toEqual(['cancelled']);
    expect((await ops.listEvents({ connectionId: conn, status: 'cancelled' })).map((r) => r.eventId)).toEqual([
      event.id,
    ]);

    sys.partner.faults.clear({ type: 'deal', id: 'c-1' });
    expect(await ops.replay(conn, event.id, { by: 'alice', reason: 'cancelled by mistake' })).toMatchObject({
      status: 'replaying',
    });
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(await record(sys.rt.db, conn, 'deal', 'c-1')).toMatchObject({ version: BigInt(version), writeCount: 1 });
    const actions = await sys.rt.db.operatorAction.findMany({ where: { eventRowId: parked.id } });
    expect(actions.map((a) => [a.action, a.result])).toEqual([
      ['cancel', 'cancelled'],
      ['replay', 'replaying'],
    ]);
  });

  it('settles the row of a workflow terminated while no worker ran, by the sweep, and replays it', async () => {
    const conn = await connection('terminated-down');
    sys.partner.faults.failAlways({ type: 'deal', id: 'd-1' }, { status: 400 });
    const { event } = await deliverChange(conn, 'deal', 'd-1', { stage: 'new' });
    const parked = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    await worker!.stop();
    worker = undefined;
    await sys.client.workflow.getHandle(parked.workflowId).terminate('engineer, while the workers were down');
    expect((await eventRow(sys.rt.db, conn, event.id))?.status).toBe('parked');
    await startWorker();

    const swept = await sweep();
    expect(swept.settled.terminated).toBeGreaterThanOrEqual(1);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'terminated');
    expect(row.resolution).toMatch(/terminated/);
    expect((await sweep()).settled.terminated ?? 0).toBe(0); // settled once

    await expect(ops.skip(conn, event.id, { by: 'bob' })).rejects.toThrow(/reason is required/);
    sys.partner.faults.clear({ type: 'deal', id: 'd-1' });
    // As an engineer does it: the ops CLI lists the row as terminated and replays it.
    const cliEnv = { ENCRYPTION_KEY: sys.rt.env.ENCRYPTION_KEY!, TEMPORAL_TASK_QUEUE: sys.rt.env.TEMPORAL_TASK_QUEUE };
    const listed = await runCli(['events', 'list', '--connection', conn, '--status', 'terminated', '--json'], cliEnv);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { eventId: string }[]).map((r) => r.eventId)).toEqual([event.id]);
    const replayed = await runCli(['events', 'replay', conn, event.id, '--by', 'bob', '--json'], cliEnv);
    expect(replayed.code, replayed.stderr).toBe(0);
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
  });

  it('accounts for a delivery whose run was terminated before it recorded anything: the sweep creates its row', async () => {
    const conn = await connection('terminated-unrecorded');
    await worker!.stop();
    worker = undefined;
    const { event, version } = await deliverChange(conn, 'deal', 'u-1', { stage: 'new' });
    expect(await eventRow(sys.rt.db, conn, event.id)).toBeNull();
    const [wf] = await waitFor('the run to be listed', async () => {
      const found = [];
      for await (const w of sys.client.workflow.list({ query: `SynclineConnection = "${conn}"` })) found.push(w);
      return found.length ? found : undefined;
    });
    await sys.client.workflow.getHandle(wf!.workflowId).terminate('engineer, before any worker picked it up');
    await startWorker();

    // Visibility lists the closed run a moment later; a scheduled sweep (another test's `reconcile sync`) may win.
    const row = await waitFor('the sweep to create its row', async () => {
      await sweep([conn]);
      return eventRow(sys.rt.db, conn, event.id);
    });
    expect(row).toMatchObject({ status: 'terminated', workflowId: wf!.workflowId });
    const audit = await sys.rt.db.operatorAction.findMany({ where: { eventRowId: row.id } });
    expect(audit).toMatchObject([{ action: 'sweep', actor: 'syncline:sweep', result: 'terminated' }]);
    expect((await sweep([conn])).rowsCreated).toBe(0);
    await ops.replay(conn, event.id, { by: 'dave' });
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(await record(sys.rt.db, conn, 'deal', 'u-1')).toMatchObject({ version: BigInt(version), writeCount: 1 });
  });

  it('leaves a row whose event waits in the overflow inbox open, and fails it once nothing will start it', async () => {
    const conn = await connection('inbox-held');
    // As the receiver leaves it in overflow mode: a row of the delivery, its start waiting in the inbox.
    const workflowId = `event:${conn}:evt-inbox-1`;
    const row = await sys.rt.db.webhookEvent.create({
      data: {
        connectionId: conn,
        eventId: 'evt-inbox-1',
        eventType: 'deal.updated',
        objectType: 'deal',
        objectId: 'i-1',
        workflowId,
        payloadBytes: 2,
        receivedAt: new Date(Date.now() - 60_000),
      },
    });
    const entry = {
      connectionId: conn,
      eventId: 'evt-inbox-1',
      workflowId,
      // No relay drains this queue: the row stays in the inbox while the sweep looks.
      taskQueue: `${sys.prefix}-no-relay`,
      input: '{}',
      receivedAtMs: Date.now() - 60_000,
    };
    expect(await insertInboxEntry(sys.rt.db, entry)).toBe(true);

    expect((await sweep([conn])).settled.failed ?? 0).toBe(0);
    expect((await eventRow(sys.rt.db, conn, 'evt-inbox-1'))?.status).toBe('received');

    // Without the inbox row nothing will start it: the sweep settles it, replayable.
    await sys.rt.db.$executeRaw`DELETE FROM webhook_inbox WHERE connection_id = ${conn}`;
    expect((await sweep([conn])).settled.failed).toBe(1);
    expect(await eventRow(sys.rt.db, conn, 'evt-inbox-1')).toMatchObject({
      id: row.id,
      status: 'failed',
      resolution: expect.stringMatching(/no longer exists in Temporal/),
    });
  });

  it('leaves an event whose workflow gets junk signals and updates running, unchanged, with no failed workflow task', async () => {
    const conn = await connection('junk');
    sys.partner.faults.failAlways({ type: 'deal', id: 'j-1' }, { status: 400 });
    const { event } = await deliverChange(conn, 'deal', 'j-1', { stage: 'new' });
    const parked = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    await sendJunkSignals(sys.client, parked.workflowId, PROCESS_EVENT_SIGNALS);
    expect(await sendJunkUpdates(sys.client, parked.workflowId, PROCESS_EVENT_UPDATES)).toBe(0);
    const state = await sys.client.workflow.getHandle(parked.workflowId).query(stateQuery);
    expect(state).toMatchObject({ status: 'parked', runs: 1, actions: [] });
    expect(await workflowTaskFailures(sys.client, parked.workflowId)).toBe(0);
    expect(await statusOf(parked.workflowId)).toBe('RUNNING');
    sys.partner.faults.clear({ type: 'deal', id: 'j-1' });
    expect(await ops.replay(conn, event.id, { by: 'carol' })).toMatchObject({ status: 'processed' });
  });
});

type State = 'processing' | 'retrying' | 'parked' | 'replaying';
type Action = 'terminate' | 'cancel' | 'reset-first' | 'reset-last' | 'junk';
const STATES: State[] = ['processing', 'retrying', 'parked', 'replaying'];
const ACTIONS: Action[] = ['terminate', 'cancel', 'reset-first', 'reset-last', 'junk'];

interface Held {
  conn: string;
  eventId: string;
  workflowId: string;
  version: number;
  /** Lets the partner answer again. */
  release(): void;
}

/** Pending activities of the workflow's current run: type, state (1 scheduled, 2 started) and attempt. */
async function pendingActivities(workflowId: string) {
  const d = await sys.client.workflow.getHandle(workflowId).describe();
  return (d.raw.pendingActivities ?? []).map((a) => ({
    type: a.activityType?.name,
    state: Number(a.state),
    attempt: a.attempt ?? 1,
  }));
}

/** Brings one event into `state` on a connection of its own. */
async function hold(state: State, label: string): Promise<Held> {
  const ref = { type: 'deal', id: `${label}-1` };
  const proxy = state === 'processing' ? await stalledPartner() : undefined;
  const conn = await connection(
    label,
    { retry: SLOW_RETRY, fetch: { timeoutMs: 120_000 } },
    proxy && viaProxy(sys.partner.url, proxy).replace(/\/$/, ''),
  );
  if (state !== 'processing') sys.partner.faults.failAlways(ref, { status: state === 'retrying' ? 503 : 400 });
  const { event, version } = await deliverChange(conn, ref.type, ref.id, { stage: label });
  const row = await waitFor(`${label}: its row`, () => eventRow(sys.rt.db, conn, event.id));
  const held = {
    conn,
    eventId: event.id,
    workflowId: row.workflowId,
    version,
    release: () => (proxy ? proxy.restore() : sys.partner.faults.clear(ref)),
  };
  // The fetch is a local activity (generation 3): no pending activity to look for. It is in flight
  // once the stalled partner has taken its connection; it is retrying once an attempt failed on the
  // 503 (the row notes each attempt) and the run waits out SLOW_RETRY's timer.
  const retrying = () =>
    waitFor(`${label}: ${state}`, async () =>
      (await eventRow(sys.rt.db, conn, event.id))?.lastError?.includes('503') ? true : undefined,
    );
  if (state === 'processing') await waitFor(`${label}: processing`, async () => proxy!.accepted() > 0);
  if (state === 'retrying') await retrying();
  if (state === 'parked' || state === 'replaying') await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
  if (state === 'replaying') {
    sys.partner.faults.failAlways(ref, { status: 503 });
    await waitFor(`${label}: parked in its state`, async () => {
      const s = await sys.client.workflow.getHandle(row.workflowId).query(stateQuery);
      return s.status === 'parked';
    });
    await ops.replay(conn, event.id, { by: 'test', reason: 'into replaying' }, { wait: false });
    await retrying();
  }
  return held;
}

/** Drives an event whose run was acted on to its end: replayed where it waits for an operator, then processed once. */
async function finish(h: Held): Promise<void> {
  await waitFor(
    `${h.eventId} to settle`,
    async () => {
      const row = await eventRow(sys.rt.db, h.conn, h.eventId);
      if (row?.status === 'processed') return true;
      const d = await sys.client.workflow.getHandle(h.workflowId).describe();
      if (d.status.name !== 'RUNNING') {
        if (row?.status === 'parked' || row?.status === 'accepted') await sweep([h.conn]);
        const now = await eventRow(sys.rt.db, h.conn, h.eventId);
        if (now && ['terminated', 'cancelled', 'failed'].includes(now.status))
          await ops.replay(h.conn, h.eventId, { by: 'test', reason: 'finish' });
        return false;
      }
      const state = await sys.client.workflow.getHandle(h.workflowId).query(stateQuery);
      if (state.status === 'parked') await ops.replay(h.conn, h.eventId, { by: 'test', reason: 'finish' });
      return false;
    },
    CASE_TIMEOUT_MS - 60_000,
  );
}

/**
 * Twenty cases run at once, each a hold, an action and a finish through the real server: under load 20 to 30
 * one of them (reset-first while replaying) took 108 s against the suite's 120 s, while alone it took 7 s.
 * The assertions are about the end state, so a case only needs the time to get there.
 */
const CASE_TIMEOUT_MS = 360_000;

describe.concurrent('each action on processEvent in each state', { timeout: CASE_TIMEOUT_MS }, () => {
  const cases = STATES.flatMap((state) => ACTIONS.map((action) => ({ state, action })));
  it.each(cases)(
    '$action while $state leaves the row consistent and the event processed once',
    async ({ state, action }) => {
      const label = `${state.slice(0, 4)}-${action}`;
      const h = await hold(state, label);
      const handle = sys.client.workflow.getHandle(h.workflowId);
      const runBefore = (await handle.describe()).runId;
      switch (action) {
        case 'terminate': {
          await handle.terminate('test: Web UI terminate');
          expect((await sweep([h.conn])).settled.terminated).toBe(1);
          const row = await eventRow(sys.rt.db, h.conn, h.eventId);
          expect(row?.status).toBe('terminated');
          // Released only now: a fetchAndFinish attempt already running when the run was terminated
          // still finishes in its own transaction, so released earlier it could settle the row
          // `processed` before the sweep looks. Either way the event is applied once (checked below).
          h.release();
          break;
        }
        case 'cancel': {
          await handle.cancel();
          await waitForEventStatus(sys.rt.db, h.conn, h.eventId, 'cancelled');
          const d = await waitFor('the run to end cancelled', async () => {
            const x = await handle.describe();
            return x.status.name === 'CANCELLED' ? x : undefined;
          });
          expect(d.searchAttributes.SynclineStatus).toEqual(['cancelled']);
          h.release();
          break;
        }
        case 'reset-first':
        case 'reset-last': {
          h.release();
          // Reset needs a completed workflow task; a fetch in flight holds the run's first one open
          // until it ends or the worker heartbeats it (generation 3), as the Web UI's Reset list shows.
          await waitFor(`${label}: a workflow task to reset to`, async () =>
            ((await handle.fetchHistory()).events ?? []).some((e) => e.workflowTaskCompletedEventAttributes),
          );
          const runId = await resetWorkflow(sys.client, h.workflowId, action === 'reset-first' ? 'first' : 'last');
          expect(runId).not.toBe(runBefore);
          break;
        }
        case 'junk': {
          const before = await handle.query(stateQuery);
          await sendJunkSignals(sys.client, h.workflowId, PROCESS_EVENT_SIGNALS);
          expect(await sendJunkUpdates(sys.client, h.workflowId, PROCESS_EVENT_UPDATES)).toBe(0);
          expect(await workflowTaskFailures(sys.client, h.workflowId)).toBe(0);
          const after = await handle.query(stateQuery);
          expect(after).toMatchObject({ status: before.status, runs: before.runs, actions: before.actions });
          expect(await statusOf(h.workflowId)).toBe('RUNNING');
          h.release();
          break;
        }
      }
      await finish(h);
      const row = await eventRow(sys.rt.db, h.conn, h.eventId);
      expect(row?.status).toBe('processed');
      const rec = await record(sys.rt.db, h.conn, 'deal', `${label}-1`);
      expect(rec).toMatchObject({ version: BigInt(h.version), writeCount: 1, data: { stage: label } });
      expect(await sys.rt.db.webhookEvent.count({ where: { connectionId: h.conn } })).toBe(1);
    },
  );
});

describe.concurrent('each action on a reconciliation run waiting on the partner', () => {
  // Page 1 is committed, then the partner answers 429 with Retry-After: the run sleeps (a timer in history).
  const RETRY_AFTER_SEC = 15;

  // Each run gets a partner of its own: the change list and its faults are the partner's, not the connection's.
  async function sleepingRun(label: string) {
    const partner = await startPartnerSimulator({ apiKey: PARTNER_API_KEY, eventIdPrefix: label });
    partners.push(partner);
    const conn = await connection(
      label,
      { changes: changesSettings('cursor'), reconcile: { pageSize: 2, pagesPerActivity: 1, requestsPerSecond: 0.5 } },
      partner.url,
    );
    for (let i = 0; i < 6; i++) partner.store.upsert('contact', `${label}-${i}`, { n: i });
    const handle = await reconcileService(sys).runNow(conn, 'incremental');
    const runId = handle.firstExecutionRunId;
    await waitFor(`${label}: the first page committed`, async () => {
      const run = await sys.rt.db.reconcileRun.findUnique({ where: { id: runId } });
      return (run?.pages ?? 0) >= 1;
    });
    partner.faults.failListsAlways({ status: 429, retryAfterSec: RETRY_AFTER_SEC });
    await waitFor(`${label}: the run to wait as told`, async () => {
      const history = await handle.fetchHistory();
      return (history.events ?? []).some((e) => e.timerStartedEventAttributes);
    });
    const checkpoint = await readCheckpoint(sys.rt.db, conn);
    return { conn, handle, runId, checkpoint, partner };
  }

  const runRow = (runId: string) => sys.rt.db.reconcileRun.findUniqueOrThrow({ where: { id: runId } });

  it.each(['terminate', 'cancel'] as const)(
    '%s: the run row is settled and the checkpoint stays at the last committed page',
    async (action) => {
      const { conn, handle, runId, checkpoint, partner } = await sleepingRun(`rec-${action}`);
      if (action === 'terminate') {
        await handle.terminate('test: Web UI terminate');
        expect((await runRow(runId)).status).toBe('running'); // no code ran
        expect((await sweep([conn])).reconcileRunsSettled).toBe(1);
      } else {
        await handle.cancel();
        await waitFor('the run to end cancelled', async () => (await handle.describe()).status.name === 'CANCELLED');
      }
      partner.faults.clearLists();
      const row = await runRow(runId);
      expect(row).toMatchObject({ status: action === 'terminate' ? 'terminated' : 'cancelled' });
      expect(row.finishedAt).toBeInstanceOf(Date);
      expect(await readCheckpoint(sys.rt.db, conn)).toEqual(checkpoint);
      // The next run continues from the checkpoint and converges.
      const next = await reconcileService(sys).runNow(conn, 'incremental');
      expect(await next.result()).toMatchObject({ status: 'succeeded' });
      const mine = await sys.rt.db.syncRecord.findMany({ where: { connectionId: conn } });
      expect(mine).toHaveLength(6);
      for (const r of mine) expect(r.writeCount).toBe(1);
    },
  );

  it.each(['reset-first', 'reset-last', 'junk'] as const)(
    '%s: the run carries on under the same run row and succeeds, nothing applied twice',
    async (action) => {
      const label = `rec-${action}`;
      const { conn, handle, runId, partner } = await sleepingRun(label);
      if (action === 'junk') {
        // While the partner still answers 429, so the run is open for every update (each is rejected).
        await sendJunkSignals(sys.client, handle.workflowId, RECONCILE_SIGNALS);
        // It defines no update: any the Web UI sends is rejected, never run.
        expect(await sendJunkUpdates(sys.client, handle.workflowId, [])).toBe(0);
        expect(await workflowTaskFailures(sys.client, handle.workflowId)).toBe(0);
        expect((await handle.describe()).status.name).toBe('RUNNING');
        partner.faults.clearLists();
      } else {
        partner.faults.clearLists();
        await resetWorkflow(sys.client, handle.workflowId, action === 'reset-first' ? 'first' : 'last');
      }
      const result = await waitFor(
        'the run to succeed',
        async () => {
          const row = await runRow(runId);
          return row.status === 'succeeded' ? row : undefined;
        },
        90_000,
      );
      expect(result.status).toBe('succeeded');
      const mine = await sys.rt.db.syncRecord.findMany({ where: { connectionId: conn } });
      expect(mine).toHaveLength(6);
      for (const r of mine) expect(r.writeCount).toBe(1);
    },
  );
});

describe('each action on a run of the events-sweep schedule, mid-run', () => {
  // The run is held mid-settle: the test holds the row it must settle locked, so its activity waits
  // (and, past the statement timeout, retries) until the lock is released. One at a time: each holds
  // database connections of the shared pool while it waits.
  it.each(ACTIONS)('%s: the row is settled once, by that run or the next, and audited once', async (action) => {
    const conn = await connection(`sweep-${action}`);
    sys.partner.faults.failAlways({ type: 'deal', id: `sw-${action}` }, { status: 400 });
    const { event } = await deliverChange(conn, 'deal', `sw-${action}`, { stage: 'new' });
    const parked = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    await sys.client.workflow.getHandle(parked.workflowId).terminate('engineer in the Web UI');

    const lock = new pg.Client({ connectionString: inject('databaseUrl') });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM webhook_events WHERE id = $1 FOR UPDATE', [String(parked.id)]);
      const run = await sys.client.workflow.start(sweepClosedWorkflows, {
        taskQueue: sys.rt.env.TEMPORAL_TASK_QUEUE,
        workflowId: `sweep-${sys.prefix}-${action}`,
        args: [{ graceMs: 0, connectionIds: [conn] }],
      });
      await waitFor('the sweep run to be settling the locked row', async () =>
        (await pendingActivities(run.workflowId)).some((a) => a.type === 'sweepClosedWorkflows' && a.state === 2),
      );
      switch (action) {
        case 'terminate':
          await run.terminate('test: Web UI terminate');
          break;
        case 'cancel':
          await run.cancel();
          break;
        case 'reset-first':
        case 'reset-last':
          await resetWorkflow(sys.client, run.workflowId, action === 'reset-first' ? 'first' : 'last');
          break;
        case 'junk':
          await sendJunkSignals(sys.client, run.workflowId, []);
          expect(await sendJunkUpdates(sys.client, run.workflowId, [])).toBe(0);
          expect(await workflowTaskFailures(sys.client, run.workflowId)).toBe(0);
          expect(await statusOf(run.workflowId)).toBe('RUNNING');
          break;
      }
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
    // The schedule's next run (or the acted-on run itself, which may still finish) settles it.
    const row = await waitFor('the row to be settled', async () => {
      await sweep([conn]);
      const r = await eventRow(sys.rt.db, conn, event.id);
      return r?.status === 'terminated' ? r : undefined;
    });
    const audit = await sys.rt.db.operatorAction.findMany({ where: { eventRowId: row.id } });
    expect(audit).toMatchObject([{ action: 'sweep', actor: 'syncline:sweep', result: 'terminated' }]);
    sys.partner.faults.clear({ type: 'deal', id: `sw-${action}` });
    await ops.replay(conn, event.id, { by: 'test', reason: 'after the sweep' });
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
  });
});
