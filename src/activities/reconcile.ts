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
// from the start of one request to the start of the next, across calls too.
// A 429/503 with Retry-After ends the call and is returned as data (not
// thrown): the workflow sleeps exactly that long, visibly in history. A fetch
// failure after at least one committed page also ends the call with its
// progress; the next call meets the failure on its own first attempt.
import { CancelledFailure, Context, log } from '@temporalio/activity';
import { Prisma } from '../generated/prisma/client';
import { PartnerTransientError } from '../connectors/errors';
import type { ListPage } from '../connectors/types';
import { loadTarget } from '../reconcile/target';
import type { PagesRequest, PagesResult, RunTotals } from '../shared/reconcile';
import { createEventActivities } from './events';
import { toTemporalFailure } from './failures';
import type { ActivityDeps } from './index';
import { countedUpsertCtes } from './records';

const HEARTBEAT_EVERY_MS = 1_000;
/** A call returns after this long even with pages left, so the workflow's view stays fresh. */
const CALL_BUDGET_MS = 10_000;

interface TotalsRow { pages: number; records_seen: number; records_changed: number; records_deleted: number }
const totalsOf = (r: TotalsRow): RunTotals => ({ pages: r.pages, recordsSeen: r.records_seen, recordsChanged: r.records_changed, recordsDeleted: r.records_deleted });

/** The partner's "slow down, come back in N ms", or undefined for any other failure. */
function rateLimit(err: unknown): { retryAfterMs: number; status: number } | undefined {
  if (err instanceof PartnerTransientError && (err.status === 429 || err.status === 503) && err.retryAfterMs !== undefined) {
    return { retryAfterMs: Math.max(err.retryAfterMs, 1), status: err.status };
  }
  return undefined;
}

type Fetched<T> = { ok: true; page: ListPage<T> } | { ok: false; err: unknown };

/** One page's commit: `committed` is false when another attempt already moved the position past it. */
interface Commit { committed: boolean; totals: RunTotals; position: string | null }

interface PageSource<T> {
  fetch(cursor: string | null): Promise<ListPage<T>>;
  /** Applies `page` (fetched from `from`) and moves the position to its next cursor, in one transaction. */
  commit(page: ListPage<T>, from: string | null): Promise<Commit>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Pages from `start` until the listing ends, the call's page or time budget is spent, or the partner says wait. */
async function pageThrough<T>(req: PagesRequest, start: string | null, source: PageSource<T>): Promise<PagesResult> {
  const ctx = Context.current();
  const deadline = Date.now() + CALL_BUDGET_MS;
  let lastRequestAt = req.lastRequestAt;
  let position = start;
  let pages = 0;
  let totals: RunTotals | undefined;
  const progress = () => ({ pages, position });
  const heartbeat = setInterval(() => ctx.heartbeat(progress()), HEARTBEAT_EVERY_MS);
  const request = async (cursor: string | null): Promise<Fetched<T>> => {
    if (lastRequestAt !== undefined && req.requestSpacingMs > 0) {
      for (let wait = lastRequestAt + req.requestSpacingMs - Date.now(); wait > 0; wait = lastRequestAt + req.requestSpacingMs - Date.now()) await sleep(wait);
    }
    lastRequestAt = Date.now();
    try {
      return { ok: true, page: await source.fetch(cursor) };
    } catch (err) {
      return { ok: false, err };
    }
  };
  const result = (hasMore: boolean, extra: Partial<PagesResult> = {}): PagesResult => ({ pages, totals, hasMore, cursor: position, lastRequestAt, ...extra });
  ctx.heartbeat(progress());
  try {
    let next = request(position);
    for (;;) {
      const fetched = await next;
      if (!fetched.ok) {
        const limited = rateLimit(fetched.err);
        if (limited) return result(true, { rateLimited: limited });
        if (pages === 0) throw toTemporalFailure(fetched.err);
        log.info('reconcile.page_fetch_failed_after_progress', { connectionId: req.connectionId, pages, reason: (fetched.err as Error).message });
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

export function createReconcilePageActivities(deps: ActivityDeps) {
  const events = createEventActivities(deps);
  /** Parked webhook events whose object this page brought up to date are resolved as superseded (best effort). */
  const supersede = async (connectionId: string, runId: string, objects: { objectType: string; objectId: string }[]) => {
    try {
      await events.supersedeParkedEvents({ connectionId, objects, source: `reconcile:${runId}` });
    } catch (err) {
      log.warn('reconcile.supersede_failed', { connectionId, reason: (err as Error).message });
    }
  };
  const runTotals = async (runId: string): Promise<RunTotals> =>
    totalsOf(await deps.db.$queryRaw<TotalsRow[]>`SELECT pages, records_seen, records_changed, records_deleted FROM reconcile_runs WHERE id = ${runId}`.then((r) => r[0]!));

  return {
    /** Incremental: pages the partner's change list from the connection's checkpoint. */
    async reconcileChangesPages(req: PagesRequest): Promise<PagesResult> {
      const target = await loadTarget(deps.db, deps.connections, deps.http, req.connectionId).catch((err: unknown) => { throw toTemporalFailure(err); });
      const from = await deps.db.syncCheckpoint.findUniqueOrThrow({ where: { connectionId: req.connectionId } });
      const source = `reconcile:${req.runId}`;
      const superseding: Promise<void>[] = [];
      try {
        return await pageThrough(req, from.cursor, {
          fetch: (cursor) => target.client.listChanges!(cursor, req.pageSize),
          commit: async (page, cursor) => {
            const maxVersion = BigInt(Math.trunc(page.items.reduce((m, i) => Math.max(m, i.state.version ?? 0), 0)));
            // One statement, so one transaction: the compare-and-set on the cursor gates everything else.
            // Its row lock serialises attempts like SELECT ... FOR UPDATE would: a concurrent attempt
            // blocks, then re-checks the cursor against the committed row, matches nothing, and
            // applies nothing. "Changed" counts objects, not writes (see countedUpsertCtes).
            const [row] = await deps.db.$queryRaw<(TotalsRow & { moved: boolean })[]>`
              WITH cas AS (
                UPDATE sync_checkpoints SET cursor = ${page.nextCursor}, updated_at = now(),
                  high_water_mark = GREATEST(COALESCE(high_water_mark, 0), ${maxVersion})
                WHERE connection_id = ${req.connectionId} AND cursor IS NOT DISTINCT FROM ${cursor}
                RETURNING 1
              ), ${countedUpsertCtes(req.connectionId, source, page.items, Prisma.sql`EXISTS (SELECT 1 FROM cas)`)},
              run AS (
                UPDATE reconcile_runs SET pages = pages + 1, records_seen = records_seen + ${page.items.length},
                  records_changed = records_changed + (SELECT new_to_source FROM counted), checkpoint_reached = ${page.nextCursor}
                WHERE id = ${req.runId} AND EXISTS (SELECT 1 FROM cas)
                RETURNING pages, records_seen, records_changed, records_deleted
              )
              SELECT EXISTS (SELECT 1 FROM cas) AS moved, run.* FROM (SELECT 1) AS one LEFT JOIN run ON true`;
            if (!row?.moved) {
              const current = await deps.db.syncCheckpoint.findUniqueOrThrow({ where: { connectionId: req.connectionId } });
              return { committed: false, totals: await runTotals(req.runId), position: current.cursor };
            }
            // Best effort and off the paging path: the next page does not wait for it.
            if (page.items.length > 0) superseding.push(supersede(req.connectionId, req.runId, page.items));
            return { committed: true, totals: totalsOf(row), position: page.nextCursor };
          },
        });
      } finally {
        await Promise.all(superseding);
      }
    },

    /** Full diff: records pages of the partner's ids from the run's listing position `req.cursor`. */
    async reconcileIdsPages(req: PagesRequest): Promise<PagesResult> {
      const target = await loadTarget(deps.db, deps.connections, deps.http, req.connectionId).catch((err: unknown) => { throw toTemporalFailure(err); });
      return pageThrough(req, req.cursor ?? null, {
        fetch: (cursor) => target.client.listIds!(cursor, req.pageSize),
        commit: async (page, cursor) => {
          const types = page.items.map((i) => i.objectType);
          const ids = page.items.map((i) => i.objectId);
          // One statement: the run's listing position is the compare-and-set that gates the insert.
          const [row] = await deps.db.$queryRaw<TotalsRow[]>`
            WITH run AS (
              UPDATE reconcile_runs SET pages = pages + 1, records_seen = records_seen + ${page.items.length}, checkpoint_reached = ${page.nextCursor}
              WHERE id = ${req.runId} AND checkpoint_reached IS NOT DISTINCT FROM ${cursor}
              RETURNING pages, records_seen, records_changed, records_deleted
            ), seen AS (
              INSERT INTO reconcile_seen_ids (run_id, object_type, object_id)
              SELECT ${req.runId}, t.object_type, t.object_id FROM unnest(${types}::text[], ${ids}::text[]) AS t(object_type, object_id)
              WHERE EXISTS (SELECT 1 FROM run)
              ON CONFLICT DO NOTHING
            )
            SELECT * FROM run`;
          if (!row) {
            const current = await deps.db.reconcileRun.findUniqueOrThrow({ where: { id: req.runId }, select: { checkpointReached: true } });
            return { committed: false, totals: await runTotals(req.runId), position: current.checkpointReached };
          }
          return { committed: true, totals: totalsOf(row), position: page.nextCursor };
        },
      });
    },
  };
}
