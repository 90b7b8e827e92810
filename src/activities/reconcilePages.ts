// Reconciliation paging. One activity call pages through up to `maxPages`
// partner pages (the workflow's per-call cost is spread over them), and each
// page is committed by one SQL statement, so it is its own transaction.
// Contract, per page: the checkpoint (incremental) or the run's listing
// position (full diff) moves in the SAME statement as the page's writes, and
// only if it still points at the page that was fetched; so a crash or a retried attempt resumes from the last
// committed page, never skips one, and never counts one twice.
//
// While page k commits, page k+1 is already being fetched (its cursor is the
// one page k commits); if page k's compare-and-set loses, the prefetched page
// is dropped. Requests are paced to the connection's request budget here,
// from the start of one request to the start of the next, across calls and
// across concurrent runs of the connection (a slot reserved in PostgreSQL).
// A 429/503 with Retry-After ends the call and is returned as data (not
// thrown): the workflow sleeps exactly that long, visibly in history. A fetch
// failure after at least one committed page also ends the call with its
// progress; the next call meets the failure on its own first attempt.
//
// The full diff's restore step (reconcileRestoreMissing) follows the same rules
// per object instead of per page: one transaction per object, progress as the
// last key handed back, the same request budget and Retry-After handling.
import { CancelledFailure, Context, log } from '@temporalio/activity';
import { workflowLink } from '../alerts/links';
import type { ListPage, ObjectKey, ObjectState } from '../connectors/types';
import { loadTarget } from '../connections/reconcileTarget';
import type {
  PagesRequest,
  PagesResult,
  RestoreRequest,
  RestoreResult,
  RunTotals,
} from '../contracts/reconcileContract';
import {
  type PageCommit,
  addChangedToRun,
  commitChangesPage,
  commitIdsPage,
  listedButMissing,
  readCheckpoint,
  reserveRequestSlot,
  runTotals as readRunTotals,
} from '../store/reconcileState';
import { applyStates, reviveTombstone } from '../store/syncRecords';
import { createEventActivities } from './events';
import { toTemporalFailure } from './failures';
import type { ActivityDeps } from './deps';
import { MalformedDeliveryError } from '../errors/ingestErrors';
import { PartnerTransientError } from '../errors/partnerErrors';

const HEARTBEAT_EVERY_MS = 1_000;
/** A call returns after this long even with pages left, so the workflow's view stays fresh. */
const CALL_BUDGET_MS = 10_000;
/** Listed-but-missing keys read per query while restoring. */
const RESTORE_BATCH = 200;

/** The partner's "slow down, come back in N ms", or undefined for any other failure. */
function rateLimit(err: unknown): { retryAfterMs: number; status: number } | undefined {
  if (
    err instanceof PartnerTransientError &&
    (err.status === 429 || err.status === 503) &&
    err.retryAfterMs !== undefined
  ) {
    return { retryAfterMs: Math.max(err.retryAfterMs, 1), status: err.status };
  }
  return undefined;
}

type Fetched<T> = { ok: true; page: ListPage<T> } | { ok: false; err: unknown };

/** One page's commit: `committed` is false when another attempt already moved the position past it. */
type Commit = PageCommit;

interface PageSource<T> {
  fetch(cursor: string | null): Promise<ListPage<T>>;
  /** Applies `page` (fetched from `from`) and moves the position to its next cursor, in one transaction. */
  commit(page: ListPage<T>, from: string | null): Promise<Commit>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The connection's request budget: at least `spacingMs` from one request's start
 * to the next, across calls, runs and workers. Each request reserves the next
 * slot in `sync_checkpoints.next_request_at` (one UPDATE, so concurrent runs of
 * one connection, say an incremental run and a full diff, queue behind each
 * other rather than each spending the whole budget) and waits for it.
 */
async function awaitRequestSlot(db: ActivityDeps['db'], connectionId: string, spacingMs: number): Promise<void> {
  if (spacingMs <= 0) return;
  const waitMs = await reserveRequestSlot(db, connectionId, spacingMs);
  if (waitMs > 0) await sleep(waitMs);
}

/** Pages from `start` until the listing ends, the call's page or time budget is spent, or the partner says wait. */
async function pageThrough<T>(
  db: ActivityDeps['db'],
  req: PagesRequest,
  start: string | null,
  source: PageSource<T>,
): Promise<PagesResult> {
  const ctx = Context.current();
  const deadline = Date.now() + CALL_BUDGET_MS;
  let position = start;
  let pages = 0;
  let totals: RunTotals | undefined;
  const progress = () => ({ pages, position });
  const heartbeat = setInterval(() => ctx.heartbeat(progress()), HEARTBEAT_EVERY_MS);
  const request = async (cursor: string | null): Promise<Fetched<T>> => {
    await awaitRequestSlot(db, req.connectionId, req.requestSpacingMs);
    try {
      return { ok: true, page: await source.fetch(cursor) };
    } catch (err) {
      return { ok: false, err };
    }
  };
  const result = (hasMore: boolean, extra: Partial<PagesResult> = {}): PagesResult => ({
    pages,
    totals,
    hasMore,
    cursor: position,
    ...extra,
  });
  ctx.heartbeat(progress());
  try {
    let next = request(position);
    for (;;) {
      const fetched = await next;
      if (!fetched.ok) {
        const limited = rateLimit(fetched.err);
        if (limited) return result(true, { rateLimited: limited });
        if (pages === 0) throw toTemporalFailure(fetched.err);
        log.info('reconcile.page_fetch_failed_after_progress', {
          connectionId: req.connectionId,
          pages,
          reason: (fetched.err as Error).message,
        });
        return result(true);
      }
      const { page } = fetched;
      const goOn = page.hasMore && pages + 1 < req.maxPages && Date.now() < deadline;
      // Prefetch: page k+1 starts from the cursor page k is about to commit.
      if (goOn) next = request(page.nextCursor);
      const c = await source.commit(page, position);
      totals = c.totals;
      if (!c.committed) {
        position = c.position;
        return result(true);
      }
      pages += 1;
      position = page.nextCursor;
      ctx.heartbeat(progress());
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure('reconciliation page call cancelled');
      if (!goOn) return result(page.hasMore);
    }
  } finally {
    clearInterval(heartbeat);
  }
}

export function createReconcilePageActivities(
  deps: Pick<ActivityDeps, 'db' | 'temporal' | 'connections' | 'http' | 'partnerClock' | 'alerter' | 'links'>,
) {
  const events = createEventActivities(deps);
  /** Parked webhook events whose object this page brought up to date are resolved as superseded (best effort). */
  const supersede = async (
    connectionId: string,
    runId: string,
    objects: { objectType: string; objectId: string }[],
  ) => {
    try {
      await events.supersedeParkedEvents({ connectionId, objects, source: `reconcile:${runId}` });
    } catch (err) {
      log.warn('reconcile.supersede_failed', { connectionId, reason: (err as Error).message });
    }
  };
  const runTotals = (runId: string): Promise<RunTotals> => readRunTotals(deps.db, runId);

  return {
    /** Incremental: pages the partner's change list from the connection's checkpoint. */
    async reconcileChangesPages(req: PagesRequest): Promise<PagesResult> {
      const target = await loadTarget(deps.db, deps.connections, deps.http, req.connectionId, deps.partnerClock).catch(
        (err: unknown) => {
          throw toTemporalFailure(err);
        },
      );
      const from = await readCheckpoint(deps.db, req.connectionId);
      if (!from) throw new Error(`connection ${req.connectionId} has no checkpoint row`);
      const source = `reconcile:${req.runId}`;
      const superseding: Promise<void>[] = [];
      try {
        return await pageThrough(deps.db, req, from.cursor, {
          fetch: (cursor) => target.client.listChanges!(cursor, req.pageSize),
          commit: async (page, cursor) => {
            const c = await commitChangesPage(deps.db, {
              connectionId: req.connectionId,
              runId: req.runId,
              source,
              cursor,
              nextCursor: page.nextCursor,
              states: page.items,
            });
            if (!c.committed) return c;
            // Best effort and off the paging path: the next page does not wait for it.
            if (page.items.length > 0) superseding.push(supersede(req.connectionId, req.runId, page.items));
            return c;
          },
        });
      } finally {
        await Promise.all(superseding);
      }
    },

    /**
     * Full diff, once the listing is complete: fetches the objects the partner
     * listed that this copy lacks or holds as deleted, in key order from
     * `req.after`, and applies each through the version guard with the run's
     * count, in one transaction per object. A retried attempt starts from the
     * last key the workflow got back and re-applies nothing twice (the guard).
     * A tombstone the full diff made keeps the version the object had, so the
     * partner listing it live at that same version means the delete was wrong:
     * it is revived. An object the partner serves malformed (no version or
     * data) is skipped and alerted on, so it cannot block every later run.
     */
    async reconcileRestoreMissing(req: RestoreRequest): Promise<RestoreResult> {
      const ctx = Context.current();
      const target = await loadTarget(deps.db, deps.connections, deps.http, req.connectionId, deps.partnerClock).catch(
        (err: unknown) => {
          throw toTemporalFailure(err);
        },
      );
      const source = `reconcile:${req.runId}`;
      const deadline = Date.now() + CALL_BUDGET_MS;
      let after = req.after;
      let fetched = 0;
      let restored = 0;
      let skipped = 0;
      const finish = async (done: boolean, extra: Partial<RestoreResult> = {}): Promise<RestoreResult> => ({
        fetched,
        restored,
        skipped,
        after,
        done,
        totals: await runTotals(req.runId),
        ...extra,
      });
      /** Best effort: a failed alert is logged, it does not fail the restore. */
      const alert = async (
        kind: 'reconcile.restore_skipped' | 'reconcile.restore_capped',
        title: string,
        fields: Record<string, string | number>,
      ) => {
        const workflowId = ctx.info.workflowExecution?.workflowId;
        const a = {
          kind,
          connectionId: req.connectionId,
          connector: target.conn.connector,
          title,
          fields: { runId: req.runId, ...fields },
          link: workflowId ? workflowLink(deps.links, workflowId) : undefined,
        };
        await deps.alerter
          .send(a)
          .catch((err: unknown) => log.warn('reconcile.alert_failed', { kind, reason: (err as Error).message }));
      };
      const missingAfter = (from: ObjectKey | null, limit: number) =>
        listedButMissing(deps.db, { connectionId: req.connectionId, runId: req.runId, after: from, limit });
      const heartbeat = setInterval(() => ctx.heartbeat({ after, fetched }), HEARTBEAT_EVERY_MS);
      try {
        for (;;) {
          const want = Math.min(RESTORE_BATCH, req.maxFetches - fetched);
          if (want <= 0) {
            if ((await missingAfter(after, 1)).length > 0) {
              await alert(
                'reconcile.restore_capped',
                'Full diff reached its restore cap; objects the partner lists are still missing here (the next full diff goes on)',
                {},
              );
            }
            return await finish(true);
          }
          const keys = await missingAfter(after, want);
          if (keys.length === 0) return await finish(true);
          for (const k of keys) {
            if (fetched > 0 && Date.now() >= deadline) return await finish(false);
            const key = k;
            await awaitRequestSlot(deps.db, req.connectionId, req.requestSpacingMs);
            let state: ObjectState;
            try {
              state = await target.client.fetchObject(key.objectType, key.objectId);
            } catch (err) {
              const limited = rateLimit(err);
              if (limited) return await finish(false, { rateLimited: limited });
              if (err instanceof MalformedDeliveryError) {
                // One object the partner serves without a version or data must not stop every later full diff at its key.
                await alert(
                  'reconcile.restore_skipped',
                  `Full diff skipped ${key.objectType}/${key.objectId}: the partner serves it malformed`,
                  {
                    objectType: key.objectType,
                    objectId: key.objectId,
                    reason: err.message,
                  },
                );
                fetched += 1;
                skipped += 1;
                after = key;
                continue;
              }
              if (fetched === 0) throw toTemporalFailure(err);
              log.info('reconcile.restore_fetch_failed_after_progress', {
                connectionId: req.connectionId,
                fetched,
                reason: (err as Error).message,
              });
              return await finish(false);
            }
            fetched += 1;
            restored += await deps.db.$transaction(async (tx) => {
              let changed = (await applyStates(tx, req.connectionId, source, [{ ...key, state }])).size;
              if (changed === 0 && state.found) {
                changed = await reviveTombstone(tx, {
                  connectionId: req.connectionId,
                  ...key,
                  version: state.version,
                  data: state.data,
                  source,
                });
              }
              if (changed > 0) await addChangedToRun(tx, req.runId, changed);
              return changed;
            });
            after = key;
            ctx.heartbeat({ after, fetched });
            if (ctx.cancellationSignal.aborted) throw new CancelledFailure('reconciliation restore call cancelled');
          }
        }
      } finally {
        clearInterval(heartbeat);
      }
    },

    /** Full diff: records pages of the partner's ids from the run's listing position `req.cursor`. */
    async reconcileIdsPages(req: PagesRequest): Promise<PagesResult> {
      const target = await loadTarget(deps.db, deps.connections, deps.http, req.connectionId, deps.partnerClock).catch(
        (err: unknown) => {
          throw toTemporalFailure(err);
        },
      );
      return pageThrough(deps.db, req, req.cursor ?? null, {
        fetch: (cursor) => target.client.listIds!(cursor, req.pageSize),
        commit: (page, cursor) =>
          commitIdsPage(deps.db, { runId: req.runId, cursor, nextCursor: page.nextCursor, keys: page.items }),
      });
    },
  };
}
