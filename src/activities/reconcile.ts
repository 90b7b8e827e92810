// Reconciliation paging: one activity call = one partner page, applied through
// the version guard. Contract: the checkpoint (incremental) or the run's
// listing position (full diff) moves in the SAME transaction as the page's
// writes, and only if it still points at the page that was fetched; so a
// crash or a retried attempt resumes from the last committed page, never skips
// one, and never counts one twice. A 429/503 with Retry-After is returned as
// data (not thrown): the workflow sleeps exactly that long, visibly in history.
import { Context, log } from '@temporalio/activity';
import { PartnerTransientError } from '../connectors/errors';
import type { ListPage } from '../connectors/types';
import { loadTarget } from '../reconcile/target';
import type { PageResult, RunTotals } from '../shared/reconcile';
import { createEventActivities } from './events';
import { toTemporalFailure } from './failures';
import type { ActivityDeps } from './index';
import { applyStatesCountingNew } from './records';

const HEARTBEAT_EVERY_MS = 1_000;
const TX_TIMEOUT_MS = 60_000;

interface TotalsRow { pages: number; records_seen: number; records_changed: number; records_deleted: number }
const totalsOf = (r: TotalsRow): RunTotals => ({ pages: r.pages, recordsSeen: r.records_seen, recordsChanged: r.records_changed, recordsDeleted: r.records_deleted });

/** Heartbeats while a partner call is in flight, so a lost worker is noticed within the heartbeat timeout. */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The partner's "slow down, come back in N ms", or undefined for any other failure. */
function rateLimit(err: unknown): { retryAfterMs: number; status: number } | undefined {
  if (err instanceof PartnerTransientError && (err.status === 429 || err.status === 503) && err.retryAfterMs !== undefined) {
    return { retryAfterMs: Math.max(err.retryAfterMs, 1), status: err.status };
  }
  return undefined;
}

async function fetchPage<T>(list: () => Promise<ListPage<T>>): Promise<ListPage<T> | PageResult> {
  try {
    return await heartbeating(list);
  } catch (err) {
    const limited = rateLimit(err);
    if (limited) return { kind: 'rateLimited', ...limited };
    throw toTemporalFailure(err);
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
    async reconcileChangesPage(args: { connectionId: string; runId: string; pageSize: number }): Promise<PageResult> {
      const target = await loadTarget(deps.db, deps.connections, deps.http, args.connectionId).catch((err: unknown) => { throw toTemporalFailure(err); });
      const from = await deps.db.syncCheckpoint.findUniqueOrThrow({ where: { connectionId: args.connectionId } });
      const page = await fetchPage(() => target.client.listChanges!(from.cursor, args.pageSize));
      if ('kind' in page) return page;
      const maxVersion = page.items.reduce((m, i) => Math.max(m, i.state.version ?? 0), 0);
      const result = await deps.db.$transaction(async (tx) => {
        // Compare-and-set first: the row lock it takes serialises attempts like SELECT ... FOR UPDATE
        // did, and an attempt that lost (another committed this page) changes nothing and reports.
        const moved = await tx.$executeRaw`
          UPDATE sync_checkpoints SET cursor = ${page.nextCursor}, updated_at = now(),
            high_water_mark = GREATEST(COALESCE(high_water_mark, 0), ${BigInt(Math.trunc(maxVersion))})
          WHERE connection_id = ${args.connectionId} AND cursor IS NOT DISTINCT FROM ${from.cursor}`;
        if (moved === 0) {
          const current = await tx.$queryRaw<{ cursor: string | null }[]>`SELECT cursor FROM sync_checkpoints WHERE connection_id = ${args.connectionId}`;
          return { kind: 'page', totals: await runTotals(args.runId), hasMore: true, checkpoint: current[0]?.cursor ?? null } as const;
        }
        const source = `reconcile:${args.runId}`;
        // "Changed" counts objects, not writes: a change list may carry several versions of one
        // object, across pages too, so an object this run already wrote is not counted again.
        const { newToSource: changed } = await applyStatesCountingNew(tx, args.connectionId, source, page.items);
        const rows = await tx.$queryRaw<TotalsRow[]>`
          UPDATE reconcile_runs SET pages = pages + 1, records_seen = records_seen + ${page.items.length},
            records_changed = records_changed + ${changed}, checkpoint_reached = ${page.nextCursor}
          WHERE id = ${args.runId} RETURNING pages, records_seen, records_changed, records_deleted`;
        return { kind: 'page', totals: totalsOf(rows[0]!), hasMore: page.hasMore, checkpoint: page.nextCursor } as const;
      }, { timeout: TX_TIMEOUT_MS });
      if (page.items.length > 0) await supersede(args.connectionId, args.runId, page.items);
      return result;
    },

    /** Full diff: records one page of the partner's ids. `cursor` is the run's listing position. */
    async reconcileIdsPage(args: { connectionId: string; runId: string; cursor: string | null; pageSize: number }): Promise<PageResult> {
      const target = await loadTarget(deps.db, deps.connections, deps.http, args.connectionId).catch((err: unknown) => { throw toTemporalFailure(err); });
      const page = await fetchPage(() => target.client.listIds!(args.cursor, args.pageSize));
      if ('kind' in page) return page;
      return deps.db.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<TotalsRow[]>`
          UPDATE reconcile_runs SET pages = pages + 1, records_seen = records_seen + ${page.items.length}, checkpoint_reached = ${page.nextCursor}
          WHERE id = ${args.runId} AND checkpoint_reached IS NOT DISTINCT FROM ${args.cursor}
          RETURNING pages, records_seen, records_changed, records_deleted`;
        if (rows.length === 0) return { kind: 'page', totals: await runTotals(args.runId), hasMore: page.hasMore, checkpoint: page.nextCursor, cursor: page.nextCursor } as const;
        const types = page.items.map((i) => i.objectType);
        const ids = page.items.map((i) => i.objectId);
        await tx.$executeRaw`
          INSERT INTO reconcile_seen_ids (run_id, object_type, object_id)
          SELECT ${args.runId}, t.object_type, t.object_id FROM unnest(${types}::text[], ${ids}::text[]) AS t(object_type, object_id)
          ON CONFLICT DO NOTHING`;
        return { kind: 'page', totals: totalsOf(rows[0]!), hasMore: page.hasMore, checkpoint: page.nextCursor, cursor: page.nextCursor } as const;
      }, { timeout: TX_TIMEOUT_MS });
    },
  };
}
