// The sweep (schedule `events-sweep`, src/workflows/sweepClosedWorkflows.ts):
// rows that say a workflow is working on them (event rows received, accepted
// or parked; reconcile runs running or blocked) whose workflow is in fact
// closed or gone. Termination runs no workflow code, and a worker may be down
// when an engineer acts, so only an outside look can settle such rows. Each
// row is settled as its workflow's close status says (terminated, cancelled,
// failed), conditionally: a run that took the row up meanwhile keeps it.
// A run terminated before its first step recorded the delivery has no row at
// all: the sweep also lists processEvent runs that closed abnormally within
// `closedWithinMs` (Temporal's visibility) and creates the missing rows
// settled, so every delivery Temporal took is accounted for and replayable.
// A row whose workflow does not exist yet because the event waits in the
// overflow inbox is open: the inbox relay will start it.
// Bounded per run (maxRows), in batches, with the describe calls at most
// DESCRIBE_CONCURRENCY at a time; the keyset cursor rides in the heartbeat,
// so a retried attempt continues where the last one stopped.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { deliveryFactsOf, type ProcessEventInput } from '../contracts/processEventContract';
import type { ReconcileStatus } from '../contracts/reconcileContract';
import { decodeHistoryPayload } from '../temporal/dataConverter';
import type { ClosedFromOutside } from '../store/eventTransitions';
import {
  findEventRow,
  insertClosedEventRow,
  listOpenEventRows,
  settleEventRow,
  type OpenEventRow,
} from '../store/webhookEvents';
import { listOpenRuns, settleOpenRun } from '../store/reconcileState';
import { inboxHolds } from '../store/webhookInbox';
import type { ActivityDeps } from './deps';

export const SWEEP_BATCH_ROWS = 200;
export const DEFAULT_SWEEP_MAX_ROWS = 5_000;
/** Rows younger than this are left alone: their run may not have started or registered yet. */
export const DEFAULT_SWEEP_GRACE_MS = 10 * 60_000;
const DESCRIBE_CONCURRENCY = 8;
/** How far back the sweep looks for runs closed before they recorded their delivery (a few schedule periods). */
export const DEFAULT_SWEEP_CLOSED_WITHIN_MS = 60 * 60_000;
const ABNORMAL_CLOSE = ['Terminated', 'Canceled', 'Failed', 'TimedOut'];

export interface SweepArgs {
  graceMs?: number;
  maxRows?: number;
  /** Only these connections' rows (an operator's targeted sweep; tests sharing a database); default all. */
  connectionIds?: string[];
  closedWithinMs?: number;
}

export interface SweepResult {
  checked: number;
  /** Event rows settled, by the status they were given. */
  settled: Partial<Record<ClosedFromOutside, number>>;
  reconcileRunsSettled: number;
  /** Rows created for runs that closed before recording their delivery. */
  rowsCreated: number;
}

/** What the latest run of a workflow id says about a row: open (leave it), or how it closed. */
type Verdict = { open: true } | { open: false; status: ClosedFromOutside; why: string };

/** A workflow's close status as a row status. COMPLETED settles its own row, so it is never the sweep's to decide. */
export function verdictOf(closeStatus: string | 'GONE'): Verdict {
  switch (closeStatus) {
    case 'TERMINATED':
      return { open: false, status: 'terminated', why: 'its workflow was terminated' };
    case 'CANCELLED':
      return { open: false, status: 'cancelled', why: 'its workflow was cancelled' };
    case 'FAILED':
      return { open: false, status: 'failed', why: 'its workflow failed' };
    case 'TIMED_OUT':
      return { open: false, status: 'failed', why: 'its workflow timed out' };
    case 'GONE':
      return { open: false, status: 'failed', why: 'its workflow no longer exists in Temporal' };
    default:
      return { open: true };
  }
}

async function describeLatest(client: Client, workflowId: string, runId?: string) {
  try {
    const d = await client.workflow.getHandle(workflowId, runId).describe();
    return { status: d.status.name as string, firstRunId: d.raw.workflowExecutionInfo?.firstRunId ?? null };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'GONE', firstRunId: null };
    throw err;
  }
}

async function inPool<T>(items: T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await f(items[next++]!);
  });
  await Promise.all(lanes);
}

export function createSweepActivities(deps: Pick<ActivityDeps, 'db' | 'temporal'> & { now?: () => number }) {
  const now = deps.now ?? Date.now;

  const settleEvent = async (row: OpenEventRow, result: SweepResult) => {
    const latest = await describeLatest(deps.temporal, row.workflowId);
    // No workflow yet because the event waits in the overflow inbox (issue 20): the relay will start it.
    if (latest.status === 'GONE' && (await inboxHolds(deps.db, row.connectionId, row.eventId))) return;
    const v = verdictOf(latest.status);
    if (v.open) return;
    const moved = await deps.db.$transaction((tx) =>
      settleEventRow(tx, {
        eventRowId: row.eventRowId,
        to: v.status,
        from: [row.status],
        runId: row.runId,
        action: 'sweep',
        by: 'syncline:sweep',
        reason: `${v.why}; replay it with \`syncline events replay\``,
      }),
    );
    if (moved) result.settled[v.status] = (result.settled[v.status] ?? 0) + 1;
  };

  const settleRun = async (run: { id: string; workflowId: string; status: string }, result: SweepResult) => {
    const latest = await describeLatest(deps.temporal, run.workflowId);
    let verdict: Verdict;
    if (latest.firstRunId === run.id || latest.status === 'GONE') verdict = verdictOf(latest.status);
    else {
      // A later chain holds the workflow id: this run's chain has ended; its own close status says how.
      const own = await describeLatest(deps.temporal, run.workflowId, run.id);
      verdict =
        own.status === 'CONTINUED_AS_NEW'
          ? { open: false, status: 'failed', why: 'its workflow closed without recording an end' }
          : verdictOf(own.status);
    }
    if (verdict.open) return;
    const status = verdict.status === 'failed' ? 'failed' : verdict.status;
    if (
      await settleOpenRun(deps.db, { runId: run.id, from: run.status as ReconcileStatus, status, error: verdict.why })
    )
      result.reconcileRunsSettled += 1;
  };

  /** processEvent runs closed abnormally lately with no row at all: the row is created, settled. */
  const recordUnrecorded = async (args: SweepArgs, result: SweepResult) => {
    const since = new Date(now() - (args.closedWithinMs ?? DEFAULT_SWEEP_CLOSED_WITHIN_MS)).toISOString();
    const conns = args.connectionIds?.length
      ? ` AND SynclineConnection IN (${args.connectionIds.map((c) => JSON.stringify(c)).join(', ')})`
      : '';
    const statuses = ABNORMAL_CLOSE.map((s) => `'${s}'`).join(', ');
    const query = `WorkflowType = 'processEvent' AND ExecutionStatus IN (${statuses}) AND CloseTime > '${since}'${conns}`;
    let seen = 0;
    for await (const wf of deps.temporal.workflow.list({ query })) {
      if (++seen > (args.maxRows ?? DEFAULT_SWEEP_MAX_ROWS)) break;
      const handle = deps.temporal.workflow.getHandle(wf.workflowId, wf.runId);
      const history = await handle.fetchHistory();
      const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      if (!payload) continue;
      const input = await decodeHistoryPayload<ProcessEventInput>(deps.temporal, payload);
      // A receiver-recorded row (large payload) always exists; a row of this event already accounts for it.
      if (input.eventRowId !== null || (await findEventRow(deps.db, input.connectionId, input.eventId))) continue;
      const latest = await describeLatest(deps.temporal, wf.workflowId);
      if (latest.status === 'RUNNING') continue; // a newer run will record it
      const v = verdictOf(wf.status.name);
      if (v.open) continue;
      const created = await deps.db
        .$transaction((tx) =>
          insertClosedEventRow(tx, {
            ...deliveryFactsOf(input, wf.startTime.getTime()),
            workflowId: wf.workflowId,
            runId: wf.runId,
            status: v.status,
            reason: `${v.why} before it recorded the delivery; replay it with \`syncline events replay\``,
          }),
        )
        .catch(() => false); // its connection is gone: nothing to account it to
      if (created) result.rowsCreated += 1;
    }
  };

  return {
    async sweepClosedWorkflows(args: SweepArgs = {}): Promise<SweepResult> {
      const ctx = Context.current();
      const graceMs = args.graceMs ?? DEFAULT_SWEEP_GRACE_MS;
      const maxRows = args.maxRows ?? DEFAULT_SWEEP_MAX_ROWS;
      const before = new Date(now() - graceMs);
      const resumed = ctx.info.heartbeatDetails as { afterId: string | null; result: SweepResult } | undefined;
      const result: SweepResult = resumed?.result ?? {
        checked: 0,
        settled: {},
        reconcileRunsSettled: 0,
        rowsCreated: 0,
      };
      let afterId = resumed?.afterId ?? null;
      while (result.checked < maxRows) {
        const rows = await listOpenEventRows(deps.db, {
          connectionIds: args.connectionIds,
          receivedBefore: before,
          afterId,
          limit: Math.min(SWEEP_BATCH_ROWS, maxRows - result.checked),
        });
        await inPool(rows, DESCRIBE_CONCURRENCY, (row) => settleEvent(row, result));
        result.checked += rows.length;
        afterId = rows.at(-1)?.eventRowId ?? afterId;
        ctx.heartbeat({ afterId, result });
        if (rows.length < SWEEP_BATCH_ROWS) break;
      }
      const runs = await listOpenRuns(deps.db, {
        connectionIds: args.connectionIds,
        startedBefore: before,
        limit: SWEEP_BATCH_ROWS,
      });
      await inPool(runs, DESCRIBE_CONCURRENCY, (run) => settleRun(run, result));
      ctx.heartbeat({ afterId, result });
      await recordUnrecorded(args, result);
      return result;
    },
  };
}
