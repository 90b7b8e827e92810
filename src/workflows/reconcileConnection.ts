// reconcileConnection: pages through a connection's partner change list (or,
// in full-diff mode, its id listing), up to `pagesPerActivity` pages per
// activity call with each page committed in its own transaction, and reports
// what the webhook fast path missed. A full diff then fetches what the partner
// listed and this copy lacks (up to maxRestoresPerRun) and tombstones what it
// holds and the partner no longer lists (behind the mass-deletion guard). Failure contract:
//  - database steps retry without limit (a database outage delays a run);
//  - a page fetch retries on the connection's partner retry schedule; when that
//    is spent the run is recorded as failed and the checkpoint stays where the
//    last committed page left it;
//  - 429/503 with Retry-After come back as data and are slept exactly here, so
//    each wait is a TimerStarted event in history and never burns a retry.
// The request budget (spacing between request starts) is kept by the page
// activities, in a slot per connection in PostgreSQL shared by all its runs. The run
// continues as new when Temporal suggests it or after maxPagesPerExecution pages.
// Cancelled from outside (Web UI, CLI): the page call in flight is cancelled
// and waited for (it stops between pages, each committed with its checkpoint),
// then the run row is recorded as `cancelled` in a non-cancellable scope and
// the run ends cancelled; the checkpoint stays at the last committed page.
// Terminated: no code runs; the sweep records the run row as `terminated`.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  continueAsNew,
  defineSignal,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { type Activities, databaseSteps } from './activityProxies';
import {
  CONFIRM_DELETES_SIGNAL,
  type DeletePlan,
  type PagesResult,
  type ReconcileInput,
  type ReconcileResult,
  type RestoreProgress,
  type RestoreResult,
  type RunTotals,
} from '../contracts/reconcileContract';

export const confirmDeletesSignal = defineSignal<[boolean]>(CONFIRM_DELETES_SIGNAL);

export async function reconcileConnection(input: ReconcileInput): Promise<ReconcileResult> {
  const runId = input.carry?.runId ?? workflowInfo().firstExecutionRunId;
  try {
    return await reconcile(input, runId);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(() =>
      db.cancelReconcileRun({ runId, error: 'cancellation requested (Web UI or CLI)' }),
    );
    setCurrentDetails(`**${input.mode}** reconciliation of \`${input.connectionId}\` — **cancelled** from outside`);
    log.warn('reconcile.cancelled', { connectionId: input.connectionId, runId });
    throw err;
  }
}

/** Full diffs started before restoring existed replay without it. */
const RESTORE_PATCH = 'full-diff-restores-missing';

/** Database steps: retried without limit (an outage delays a run). */
const db = databaseSteps('60s');

function describe(input: ReconcileInput, t: RunTotals, note: string): string {
  return (
    `**${input.mode}** reconciliation of \`${input.connectionId}\` — ${note}\n\n` +
    `pages ${t.pages} · seen ${t.recordsSeen} · changed ${t.recordsChanged} · deleted ${t.recordsDeleted}`
  );
}

async function reconcile(input: ReconcileInput, runId: string): Promise<ReconcileResult> {
  let operatorAnswer: boolean | undefined;
  // Any JSON can arrive here (Web UI, `temporal workflow signal`): only a boolean is an answer.
  setHandler(confirmDeletesSignal, (approve: unknown) => {
    if (typeof approve === 'boolean') operatorAnswer = approve;
    else log.warn('signal.ignored', { signal: CONFIRM_DELETES_SIGNAL, why: 'expected true or false' });
  });
  const info = workflowInfo();
  const { connectionId } = input;
  const plan = await db.startReconcileRun({ connectionId, mode: input.mode, runId, workflowId: info.workflowId });
  const partner = proxyActivities<Activities>({
    startToCloseTimeout: '5m',
    heartbeatTimeout: plan.heartbeatTimeoutMs,
    // On cancellation, wait for the page call to stop between pages, so the run is recorded after its last commit.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: plan.retry.initialIntervalMs,
      backoffCoefficient: plan.retry.backoffCoefficient,
      maximumInterval: plan.retry.maximumIntervalMs,
      maximumAttempts: plan.retry.maximumAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
  });

  let totals: RunTotals = { pages: 0, recordsSeen: 0, recordsChanged: 0, recordsDeleted: 0 };
  let cursor = input.carry?.cursor ?? null;
  let pagesHere = 0;
  let calls = 0;
  /** A 429/503 with Retry-After: wait exactly as told, as a timer in history. */
  const waitAsTold = async ({ status, retryAfterMs }: { status: number; retryAfterMs: number }, during?: string) => {
    log.info('reconcile.rate_limited', { connectionId, status, retryAfterMs });
    setCurrentDetails(
      describe(
        input,
        totals,
        `${during ? `${during}: ` : ''}partner answered ${status}; waiting ${retryAfterMs} ms as told`,
      ),
    );
    await sleep(retryAfterMs);
  };
  const moveOn = (restore?: RestoreProgress) =>
    continueAsNew<typeof reconcileConnection>({ ...input, carry: { runId, cursor, restore } });
  setCurrentDetails(describe(input, totals, 'starting'));
  try {
    // An execution continued while restoring has its listing done.
    while (!input.carry?.restore) {
      const request = {
        connectionId,
        runId,
        pageSize: plan.pageSize,
        requestSpacingMs: plan.requestSpacingMs,
        maxPages: Math.max(1, Math.min(plan.pagesPerActivity, plan.maxPagesPerExecution - pagesHere)),
      };
      const r: PagesResult =
        input.mode === 'incremental'
          ? await partner.reconcileChangesPages(request)
          : await partner.reconcileIdsPages({ ...request, cursor });
      calls += 1;
      pagesHere += r.pages;
      if (r.totals) totals = r.totals;
      if (input.mode === 'full') cursor = r.cursor;
      if (r.rateLimited) {
        await waitAsTold(r.rateLimited);
      } else {
        setCurrentDetails(describe(input, totals, r.hasMore ? 'paging' : 'listing complete'));
        if (!r.hasMore) break;
      }
      if (
        pagesHere >= plan.maxPagesPerExecution ||
        calls >= plan.maxPagesPerExecution ||
        workflowInfo().continueAsNewSuggested
      )
        await moveOn();
    }
    // Full diff: what the partner listed and this copy lacks is fetched and applied (the webhooks and the change list missed it).
    if (input.mode === 'full' && plan.restoreMissing && patched(RESTORE_PATCH)) {
      const progress: RestoreProgress = input.carry?.restore ?? {
        after: null,
        fetchesLeft: plan.maxRestoresPerRun ?? 0,
      };
      for (;;) {
        const r: RestoreResult = await partner.reconcileRestoreMissing({
          connectionId,
          runId,
          after: progress.after,
          maxFetches: progress.fetchesLeft,
          requestSpacingMs: plan.requestSpacingMs,
        });
        calls += 1;
        progress.after = r.after;
        progress.fetchesLeft -= r.fetched;
        if (r.totals) totals = r.totals;
        progress.skipped = (progress.skipped ?? 0) + (r.skipped ?? 0);
        if (r.rateLimited) {
          await waitAsTold(r.rateLimited, 'restoring');
        } else if (r.done) {
          // A cap reached with objects left is alerted by the activity, which can tell.
          if (progress.skipped)
            log.warn('reconcile.restore_skipped_objects', { connectionId, runId, skipped: progress.skipped });
          break;
        } else {
          setCurrentDetails(describe(input, totals, 'restoring objects the partner listed and this copy lacks'));
        }
        if (calls >= plan.maxPagesPerExecution || workflowInfo().continueAsNewSuggested) await moveOn(progress);
      }
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
    const message = err.cause?.message ?? err.message;
    log.warn('reconcile.failed', { connectionId, runId, error: message });
    await db.finishReconcileRun({ runId, status: 'failed', error: message });
    await db.checkReconcileHealth({ connectionId });
    throw ApplicationFailure.nonRetryable(`reconciliation of ${connectionId} failed: ${message}`, 'ReconcileFailed');
  }

  let deletePlan: DeletePlan | undefined;
  if (input.mode === 'full') {
    deletePlan = await db.planDeletes({
      connectionId,
      runId,
      maxDeleteShare: plan.maxDeleteShare,
      guardMinDeletes: plan.guardMinDeletes,
      confirmed: input.confirmDeletes === true,
    });
    if (deletePlan.blocked) {
      setCurrentDetails(
        describe(
          input,
          totals,
          `**blocked**: would delete ${deletePlan.candidates} of ${deletePlan.live}; send signal \`${CONFIRM_DELETES_SIGNAL}\` (true = delete, false = keep)`,
        ),
      );
      await condition(() => operatorAnswer !== undefined, plan.confirmWaitMs);
      if (operatorAnswer !== true) {
        const result = await db.finishReconcileRun({ runId, status: 'blocked', deletePlan });
        setCurrentDetails(describe(input, result, 'blocked: nothing deleted'));
        return result;
      }
    }
    totals = await db.applyDeletes({ connectionId, runId });
  }
  const result = await db.finishReconcileRun({ runId, status: 'succeeded', deletePlan });
  setCurrentDetails(describe(input, result, `done in ${result.durationMs} ms`));
  log.info('reconcile.succeeded', {
    connectionId,
    runId,
    pages: result.pages,
    changed: result.recordsChanged,
    deleted: result.recordsDeleted,
  });
  return result;
}
