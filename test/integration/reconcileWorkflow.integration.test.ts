// reconcileConnection with mocked activities on the real dev server: the
// mass-deletion guard's wait for an operator (a durable timer of exactly
// confirmWaitMs, read from the history), and continue-as-new keeping one run
// across executions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import type {
  DeletePlan,
  PagesRequest,
  PagesResult,
  ReconcileResult,
  RunPlan,
  RunTotals,
} from '../../src/contracts/reconcileContract';
import { confirmDeletesSignal, reconcileConnection } from '../../src/workflows/reconcileConnection';
import { gate, type MockWorker, startMockWorker } from '../support/mockWorker';

interface Script {
  plan: Partial<RunPlan>;
  /** hasMore of each page call, in order. */
  pages: boolean[];
  calls: Array<{ name: string; args: unknown }>;
  blocked: ReturnType<typeof gate>;
  totals: RunTotals;
}

const scripts = new Map<string, Script>();
let w: MockWorker;

const record = (connectionId: string, name: string, args: unknown) =>
  scripts.get(connectionId)!.calls.push({ name, args });
const pageCall = async (req: PagesRequest): Promise<PagesResult> => {
  const s = scripts.get(req.connectionId)!;
  record(req.connectionId, 'page', req);
  const hasMore = s.pages.shift() ?? false;
  s.totals = { ...s.totals, pages: s.totals.pages + 1, recordsSeen: s.totals.recordsSeen + 10 };
  return { pages: 1, totals: s.totals, hasMore, cursor: `c${s.totals.pages}` };
};

const activities = {
  async startReconcileRun(a: { connectionId: string; runId: string }): Promise<RunPlan> {
    record(a.connectionId, 'startReconcileRun', a);
    return {
      runId: a.runId,
      pageSize: 10,
      requestSpacingMs: 0,
      heartbeatTimeoutMs: 30_000,
      maxPagesPerExecution: 100,
      pagesPerActivity: 10,
      retry: { initialIntervalMs: 10, backoffCoefficient: 1, maximumIntervalMs: 10, maximumAttempts: 1 },
      maxDeleteShare: 0.1,
      guardMinDeletes: 1,
      confirmWaitMs: 60_000,
      restoreMissing: false,
      maxRestoresPerRun: 0,
      ...scripts.get(a.connectionId)!.plan,
    };
  },
  reconcileChangesPages: pageCall,
  reconcileIdsPages: pageCall,
  async planDeletes(a: { connectionId: string; confirmed: boolean }): Promise<DeletePlan> {
    record(a.connectionId, 'planDeletes', a);
    scripts.get(a.connectionId)!.blocked.open();
    return { live: 10, candidates: 9, share: 0.9, blocked: !a.confirmed };
  },
  async applyDeletes(a: { connectionId: string }): Promise<RunTotals> {
    record(a.connectionId, 'applyDeletes', a);
    const s = scripts.get(a.connectionId)!;
    s.totals = { ...s.totals, recordsDeleted: 9 };
    return s.totals;
  },
  async finishReconcileRun(a: {
    runId: string;
    status: ReconcileResult['status'];
    deletePlan?: DeletePlan;
  }): Promise<ReconcileResult> {
    const [connectionId, s] = [...scripts].find(([, x]) =>
      x.calls.some((c) => c.name === 'startReconcileRun' && (c.args as { runId: string }).runId === a.runId),
    )!;
    record(connectionId, 'finishReconcileRun', a);
    return {
      ...s.totals,
      runId: a.runId,
      connectionId,
      mode: 'full',
      status: a.status,
      durationMs: 1,
      checkpoint: null,
      ...(a.deletePlan ? { deletePlan: a.deletePlan } : {}),
    };
  },
  async checkReconcileHealth() {
    return [];
  },
};

beforeAll(async () => {
  w = await startMockWorker('wf-reconcile', activities);
});
afterAll(async () => {
  await w?.stop();
});

function script(name: string, s: Partial<Script>): string {
  const connectionId = `${name}-${Date.now().toString(36)}`;
  scripts.set(connectionId, {
    plan: {},
    pages: [],
    calls: [],
    blocked: gate(),
    totals: { pages: 0, recordsSeen: 0, recordsChanged: 0, recordsDeleted: 0 },
    ...s,
  });
  return connectionId;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const durationMs = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(d?.seconds ?? 0) * 1000 + Math.round((d?.nanos ?? 0) / 1e6);

describe('the full diff mass-deletion guard', () => {
  it('waits a durable timer of exactly confirmWaitMs for an operator, then ends blocked without deleting', async () => {
    const connectionId = script('guard-timeout', { plan: { confirmWaitMs: 1_500 } });
    const handle = await w.client.workflow.start(reconcileConnection, {
      args: [{ connectionId, mode: 'full' }],
      taskQueue: w.taskQueue,
      workflowId: `wf-${connectionId}`,
    });
    expect(await handle.result()).toMatchObject({ status: 'blocked', recordsDeleted: 0 });
    const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
    const timers = events.filter((e) => e.timerStartedEventAttributes);
    expect(timers.map((e) => durationMs(e.timerStartedEventAttributes!.startToFireTimeout))).toEqual([1_500]);
    expect(events.some((e) => e.timerFiredEventAttributes)).toBe(true);
    const names = scripts.get(connectionId)!.calls.map((c) => c.name);
    expect(names).toEqual(['startReconcileRun', 'page', 'planDeletes', 'finishReconcileRun']);
    expect(scripts.get(connectionId)!.calls.at(-1)!.args).toMatchObject({ status: 'blocked' });
  });

  it('deletes once an operator confirms within the wait, and the timer is cancelled', async () => {
    const connectionId = script('guard-confirmed', { plan: { confirmWaitMs: 600_000 } });
    const handle = await w.client.workflow.start(reconcileConnection, {
      args: [{ connectionId, mode: 'full' }],
      taskQueue: w.taskQueue,
      workflowId: `wf-${connectionId}`,
    });
    await scripts.get(connectionId)!.blocked.opened;
    await handle.signal(confirmDeletesSignal, true);
    expect(await handle.result()).toMatchObject({ status: 'succeeded', recordsDeleted: 9 });
    const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
    expect(events.some((e) => e.timerFiredEventAttributes)).toBe(false);
    expect(scripts.get(connectionId)!.calls.map((c) => c.name)).toEqual([
      'startReconcileRun',
      'page',
      'planDeletes',
      'applyDeletes',
      'finishReconcileRun',
    ]);
  });
});

describe('continue-as-new', () => {
  it('continues after maxPagesPerExecution pages, keeping the run id, the position and the counts across executions', async () => {
    const connectionId = script('can', {
      plan: { maxPagesPerExecution: 2, pagesPerActivity: 1 },
      pages: [true, true, true, true, false],
    });
    const handle = await w.client.workflow.start(reconcileConnection, {
      args: [{ connectionId, mode: 'incremental' }],
      taskQueue: w.taskQueue,
      workflowId: `wf-${connectionId}`,
    });
    const result = await handle.result();
    const calls = scripts.get(connectionId)!.calls;
    const firstRunId = handle.firstExecutionRunId;
    // Three executions (2 + 2 + 1 pages), one run: every start and the finish name the first execution's run id.
    expect(calls.filter((c) => c.name === 'startReconcileRun').map((c) => (c.args as { runId: string }).runId)).toEqual(
      [firstRunId, firstRunId, firstRunId],
    );
    expect(calls.filter((c) => c.name === 'page').map((c) => (c.args as PagesRequest).maxPages)).toEqual([
      1, 1, 1, 1, 1,
    ]);
    expect(result).toMatchObject({ runId: firstRunId, status: 'succeeded', pages: 5 });
    const first = await w.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory();
    const continued = first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(continued).toBeTruthy();
    expect((await w.client.workflow.getHandle(handle.workflowId).describe()).runId).not.toBe(firstRunId);
  });
});
