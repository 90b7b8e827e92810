// processEvent with mocked activities on the real dev server: the operator
// actions around the `parking` flag. The row turns 'parked' (parkEvent) before
// the workflow's own status does; an operator who sees the row may act at
// once, so from the moment the workflow decides to park, replay, skip and
// supersede are accepted. Before that decision they are refused.
import crypto from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessEventInput, WireObjectState } from '../../src/contracts/processEventContract';
import { replayUpdate, skipUpdate, stateQuery, supersedeSignal } from '../../src/contracts/processEventMessages';
import { createPartnerActivities, type FetchObjectArgs } from '../../src/activities/partner';
import type { ResolvedConnection } from '../../src/connectors/types';
import { systemPartnerClock } from '../../src/connectors/observedVersion';
import { SecretBox } from '../../src/crypto/secretBox';
import type { Db } from '../../src/db/prisma';
import { processEvent } from '../../src/workflows/processEvent';
import { summarizeHistory } from '../../src/operator/history';
import { countActions, historyJson } from '../../dev/support/actionCount';
import { gate, type MockWorker, startMockWorker } from '../support/mockWorker';
import { waitFor } from '../support/wait';

interface Script {
  calls: string[];
  /** Delegate fetches to the real partner activity, whose partner answers 503; each failed attempt is noted here. */
  realFetch?: Array<{ attempt: number; local: boolean; nextRetryDelayMs: unknown }>;
  /** Fetch answers in order; an Error is thrown. */
  fetches: Array<WireObjectState | Error | ReturnType<typeof gate>>;
  parkStarted: ReturnType<typeof gate>;
  parkRelease: ReturnType<typeof gate>;
  resolved?: unknown;
  /** The fetch activity's finish fails on the database; the local finishEvent then fails this many times more. */
  finishFails?: number;
}

const scripts = new Map<string, Script>();

async function fetched(s: Script, a: FetchObjectArgs & { eventRowId: string }): Promise<WireObjectState> {
  if (s.realFetch) {
    const info = Context.current().info;
    try {
      return await realPartner().fetchObjectState(a);
    } catch (err) {
      const nextRetryDelayMs = err instanceof ApplicationFailure ? err.nextRetryDelay : undefined;
      s.realFetch.push({ attempt: info.attempt, local: info.isLocal, nextRetryDelayMs });
      throw err;
    }
  }
  const next = s.fetches.shift();
  if (next instanceof Error) throw next;
  if (next && 'opened' in next) {
    await next.opened;
    return { found: true, version: 1, data: {} };
  }
  return next ?? { found: true, version: 1, data: {} };
}
const scriptOf = (eventRowId: string) => scripts.get(eventRowId)!;
let w: MockWorker;

const activities = {
  async registerEvent(a: { eventId: string }) {
    scriptOf(a.eventId).calls.push('registerEvent');
    return { eventRowId: a.eventId, status: 'accepted', alreadyFinal: false };
  },
  async fetchAndFinish(a: FetchObjectArgs & { eventRowId: string }) {
    const s = scriptOf(a.eventRowId);
    s.calls.push('fetchAndFinish');
    const state = await fetched(s, a);
    if (s.finishFails !== undefined) return { applied: false, state };
    s.calls.push('finished');
    return { applied: true, outcome: 'applied', version: state.version };
  },
  async stateFromPayload(a: { eventRowId: string; inlinePayload: unknown }): Promise<WireObjectState> {
    scriptOf(a.eventRowId).calls.push('stateFromPayload');
    return { found: true, version: 2, data: a.inlinePayload as Record<string, unknown> };
  },
  // A local activity: its failures are retried by the worker, without limit.
  async finishEvent(a: { eventRowId: string; state: WireObjectState }) {
    const s = scriptOf(a.eventRowId);
    s.calls.push('finishEvent');
    if (s.finishFails !== undefined && s.finishFails-- > 0) throw new Error('database unavailable');
    s.calls.push('finished');
    return { outcome: 'applied', version: a.state.version };
  },
  async parkEvent(a: { eventRowId: string }) {
    const s = scriptOf(a.eventRowId);
    s.calls.push('parkEvent');
    s.parkStarted.open();
    await s.parkRelease.opened;
  },
  async alertParked(a: { eventRowId: string }) {
    scriptOf(a.eventRowId).calls.push('alertParked');
  },
  async recordOperatorAction(a: { eventRowId: string }) {
    scriptOf(a.eventRowId).calls.push('recordOperatorAction');
  },
  async resolveParkedEvent(a: { eventRowId: string; status: string; action: string; reason: string }) {
    const s = scriptOf(a.eventRowId);
    s.calls.push('resolveParkedEvent');
    s.resolved = { status: a.status, action: a.action, reason: a.reason };
  },
};

beforeAll(async () => {
  w = await startMockWorker('wf-process', activities);
});
afterAll(async () => {
  await w?.stop();
});

const CONNECTION: ResolvedConnection = {
  id: 'acme',
  connector: 'rest',
  enabled: true,
  apiBaseUrl: 'http://127.0.0.1:9',
  signingSecrets: [],
  credentials: {},
  settings: {
    fetch: {
      urlTemplate: '{baseUrl}/o/{objectType}/{objectId}',
      headers: {},
      dataPath: 'data',
      versionPath: 'version',
      deletedVersionPath: 'version',
      typeSegments: {},
      timeoutMs: 5_000,
    },
  },
};

/** The real fetch activity against a partner that answers every attempt 503. */
function realPartner() {
  return createPartnerActivities({
    db: undefined as unknown as Db, // the mock's rows are not in PostgreSQL: the attempt note is best effort and skipped
    connections: { get: async () => CONNECTION },
    box: new SecretBox(crypto.randomBytes(32)), // the input below is not sealed: the activity believes no announced version
    partnerClock: systemPartnerClock,
    http: async () => new Response(null, { status: 503 }),
  });
}

const permanent = () => ApplicationFailure.nonRetryable('partner answered 403', 'PartnerPermanentError');

function begin(
  name: string,
  fetches: Script['fetches'],
  retry?: ProcessEventInput['retry'],
  realFetch?: Script['realFetch'],
  opts: { finishFails?: number; input?: Partial<ProcessEventInput> } = {},
) {
  const eventId = `${name}-${Date.now().toString(36)}`;
  const script: Script = {
    calls: [],
    fetches,
    parkStarted: gate(),
    parkRelease: gate(),
    realFetch,
    finishFails: opts.finishFails,
  };
  scripts.set(eventId, script);
  const input: ProcessEventInput = {
    eventRowId: null,
    receivedAtMs: 1,
    payloadBytes: 2,
    connectionId: 'acme',
    connector: 'rest',
    eventId,
    eventType: 'order.updated',
    objectType: 'order',
    objectId: 'o-1',
    objectVersion: 2,
    trustPayload: false,
    inlinePayload: null,
    retry: retry ?? { initialIntervalMs: 10, backoffCoefficient: 1, maximumIntervalMs: 10, maximumAttempts: 1 },
    ...opts.input,
  };
  const started = w.client.workflow.start(processEvent, {
    args: [input],
    taskQueue: w.taskQueue,
    workflowId: `wf-${eventId}`,
  });
  return { script, started };
}

describe('processEvent around the parking flag', () => {
  it('accepts a replay while the row is being parked, and processes the event once released', async () => {
    const { script, started } = begin('replay', [permanent(), { found: true, version: 2, data: { ok: true } }]);
    const handle = await started;
    await script.parkStarted.opened;
    expect((await handle.query(stateQuery)).status).toBe('processing');
    const update = await handle.startUpdate(replayUpdate, {
      args: [{ by: 'ops' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    script.parkRelease.open();
    expect(await update.result()).toEqual({ action: 'replay', status: 'processed', lastError: null });
    expect(await handle.result()).toMatchObject({ status: 'processed', runs: 2 });
    expect(script.calls).toEqual([
      'registerEvent',
      'fetchAndFinish',
      'parkEvent',
      'alertParked',
      'recordOperatorAction',
      'fetchAndFinish',
      'finished',
    ]);
  });

  it('accepts a skip with a reason while the row is being parked, and resolves the event as skipped', async () => {
    const { script, started } = begin('skip', [permanent()]);
    const handle = await started;
    await script.parkStarted.opened;
    const update = await handle.startUpdate(skipUpdate, {
      args: [{ by: 'ops', reason: 'test object' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    script.parkRelease.open();
    expect(await update.result()).toMatchObject({ action: 'skip', status: 'skipped' });
    expect(await handle.result()).toMatchObject({ status: 'skipped' });
    expect(script.resolved).toEqual({ status: 'skipped', action: 'skip', reason: 'test object' });
    expect(script.calls).not.toContain('finished');
  });

  it('takes a supersede notice that arrives while the row is being parked', async () => {
    const { script, started } = begin('supersede', [permanent()]);
    const handle = await started;
    await script.parkStarted.opened;
    await handle.signal(supersedeSignal, { version: 5, source: 'webhook:evt_newer' });
    // The signal is in history before the park finishes: it was taken under the parking flag, not after.
    await waitFor('the supersede signal in history', async () =>
      (await handle.fetchHistory()).events?.some(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'supersede',
      ),
    );
    script.parkRelease.open();
    expect(await handle.result()).toMatchObject({ status: 'superseded' });
    expect(script.resolved).toEqual({
      status: 'superseded',
      action: 'superseded',
      reason: 'object reached version 5 via webhook:evt_newer',
    });
  });

  it('refuses a replay before the workflow has decided to park, and ignores a supersede notice then', async () => {
    const fetching = gate();
    const { script, started } = begin('early', [fetching]);
    const handle = await started;
    await waitFor('the fetch to be in flight', async () => script.calls.includes('fetchAndFinish'));
    // The fetch holds the workflow task open (a local activity): the query waits for the worker's next
    // task heartbeat and is answered then.
    expect((await handle.query(stateQuery)).status).toBe('processing');
    const refused = await handle.executeUpdate(replayUpdate, { args: [{ by: 'ops' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toBe('event is processing, not parked');
    await handle.signal(supersedeSignal, { version: 9, source: 'webhook:evt_other' });
    fetching.open();
    expect(await handle.result()).toMatchObject({ status: 'processed', runs: 1 });
    expect(script.calls).not.toContain('resolveParkedEvent');
  });
});

/** A compressed schedule: the worker must wait each entry before the next attempt. */
const SCHEDULE = [300, 600, 900];

describe('processEvent on the partner retry schedule', () => {
  it('runs every attempt the schedule allows as local activity attempts, each failure asking for the schedule’s delay, then parks', async () => {
    const realFetch: NonNullable<Script['realFetch']> = [];
    const retry = {
      initialIntervalMs: 100,
      backoffCoefficient: 2,
      maximumIntervalMs: 10_000,
      maximumAttempts: SCHEDULE.length + 1,
      scheduleMs: SCHEDULE,
    };
    const { script, started } = begin('schedule', [], retry, realFetch);
    const handle = await started;
    await script.parkStarted.opened;
    // Generation 3: the worker retries the local activity, waiting the delay each failure names
    // (sdk-core honours nextRetryDelay for local activities as the server does for regular ones);
    // attempt n's failure names scheduleMs[n-1], the last entry repeating.
    expect(realFetch).toEqual([
      ...SCHEDULE.map((ms, i) => ({ attempt: i + 1, local: true, nextRetryDelayMs: ms })),
      { attempt: SCHEDULE.length + 1, local: true, nextRetryDelayMs: SCHEDULE.at(-1) },
    ]);
    expect((await handle.query(stateQuery)).lastError).toMatch(/PartnerTransientError: partner answered 503/);
    // Attempts retried in the worker leave no event; the marker of the last one carries its attempt
    // and failure, which `syncline events show` reads (src/operator/history.ts).
    const failed = ((await handle.fetchHistory()).events ?? []).filter((e) => e.markerRecordedEventAttributes?.failure);
    expect(summarizeHistory({ events: failed })).toMatchObject({
      activities: { fetchAndFinish: 1 },
      lastActivityAttempt: SCHEDULE.length + 1,
      lastFailure: expect.stringMatching(/partner answered 503/),
    });
    script.parkRelease.open();
    await handle.terminate('test done');
  });
});

describe('processEvent within its Actions budget (issue 17)', () => {
  it('takes the start and one marker batch for a fetched event', async () => {
    const { script, started } = begin('budget', [{ found: true, version: 2, data: {} }]);
    const handle = await started;
    expect(await handle.result()).toMatchObject({ status: 'processed', runs: 1 });
    expect(script.calls).toEqual(['registerEvent', 'fetchAndFinish', 'finished']);
    // Exactly these, by the server metric's rules (generation 3): the registration and the fetch are
    // local activities of the one workflow task, no activity is scheduled.
    const history = await handle.fetchHistory();
    expect(countActions(historyJson(history))).toEqual({
      grpc_StartWorkflowExecution: 1,
      command_BatchMarkers: 1,
    });
    expect(history.events?.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
  });

  it('takes the start and one marker batch for a trusted payload', async () => {
    const { script, started } = begin('trusted', [], undefined, undefined, {
      input: { trustPayload: true, inlinePayload: { ok: true } },
    });
    const handle = await started;
    expect(await handle.result()).toMatchObject({ status: 'processed', runs: 1 });
    expect(script.calls).toEqual(['registerEvent', 'stateFromPayload', 'finishEvent', 'finished']);
    expect(countActions(historyJson(await handle.fetchHistory()))).toEqual({
      grpc_StartWorkflowExecution: 1,
      command_BatchMarkers: 1,
    });
  });

  it('finishes as a local activity, retried until the database answers, what the fetch could not finish', async () => {
    const { script, started } = begin('db-down', [{ found: true, version: 2, data: {} }], undefined, undefined, {
      finishFails: 2,
    });
    const handle = await started;
    expect(await handle.result()).toMatchObject({ status: 'processed', runs: 1 });
    expect(script.calls).toEqual([
      'registerEvent',
      'fetchAndFinish',
      'finishEvent',
      'finishEvent',
      'finishEvent',
      'finished',
    ]);
    // The finish's retries stay in the worker (local activities, DATABASE_STEP_RETRY): no activity task.
    const counts = countActions(historyJson(await handle.fetchHistory()));
    expect(counts).toMatchObject({ grpc_StartWorkflowExecution: 1 });
    expect(counts.command_ScheduleActivityTask).toBeUndefined();
  });
});
