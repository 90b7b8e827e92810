// Reconciliation's tables: sync_checkpoints (where incremental paging of a
// connection has got to, plus its request budget), reconcile_runs (one row
// per run, counters exact after a crash) and reconcile_seen_ids (the ids a
// full diff's listing named). The only module that reads or writes them. A
// page's commit is ONE statement with the records it applies (through
// src/store/syncRecords.ts), gated by a compare-and-set on the position it
// was fetched from, so a retried or concurrent attempt never applies or
// counts a page twice.
import { Prisma } from '../generated/prisma/client';
import { countedUpsertCtes, type StateToApply } from './syncRecords';
import { type Executor } from './executor';
import { RunTransitionRefusedError } from '../errors/storeErrors';
import type { ReconcileStatus } from '../contracts/reconcileContract';
import { canTransitionRun, OPEN_RUN_STATUSES, runAllowedFrom } from './runTransitions';

export { OPEN_RUN_STATUSES } from './runTransitions';

export interface RunTotals {
  pages: number;
  recordsSeen: number;
  recordsChanged: number;
  recordsDeleted: number;
}

interface TotalsRow {
  pages: number;
  records_seen: number;
  records_changed: number;
  records_deleted: number;
}
const totalsOf = (r: TotalsRow): RunTotals => ({
  pages: r.pages,
  recordsSeen: r.records_seen,
  recordsChanged: r.records_changed,
  recordsDeleted: r.records_deleted,
});

/** A connection's checkpoint row exists (its request budget lives there too). */
export async function ensureCheckpoint(x: Executor, connectionId: string): Promise<void> {
  await x.$executeRaw`INSERT INTO sync_checkpoints (connection_id, updated_at) VALUES (${connectionId}, now()) ON CONFLICT DO NOTHING`;
}

export function readCheckpoint(x: Executor, connectionId: string) {
  return x.syncCheckpoint.findUnique({ where: { connectionId } });
}

/**
 * The connection's request budget: reserves the next request slot, at least
 * `spacingMs` after the previous one across calls, runs and workers (one
 * UPDATE, so concurrent runs queue behind each other), and returns how long
 * to wait for it.
 */
export async function reserveRequestSlot(x: Executor, connectionId: string, spacingMs: number): Promise<number> {
  const [slot] = await x.$queryRaw<{ wait_ms: number }[]>`
    UPDATE sync_checkpoints SET next_request_at = GREATEST(next_request_at, clock_timestamp()) + ${spacingMs}::float8 * interval '1 millisecond'
    WHERE connection_id = ${connectionId}
    RETURNING (EXTRACT(EPOCH FROM (next_request_at - clock_timestamp())) * 1000 - ${spacingMs}::float8)::float8 AS wait_ms`;
  return slot?.wait_ms ?? 0;
}

/** A run's row; idempotent (the workflow may retry its first step). */
export async function createRun(
  x: Executor,
  r: { runId: string; connectionId: string; workflowId: string; mode: string },
): Promise<void> {
  await x.$executeRaw`
    INSERT INTO reconcile_runs (id, connection_id, workflow_id, mode) VALUES (${r.runId}, ${r.connectionId}, ${r.workflowId}, ${r.mode})
    ON CONFLICT DO NOTHING`;
}

export async function runTotals(x: Executor, runId: string): Promise<RunTotals> {
  const [row] = await x.$queryRaw<
    TotalsRow[]
  >`SELECT pages, records_seen, records_changed, records_deleted FROM reconcile_runs WHERE id = ${runId}`;
  if (!row) throw new Error(`no reconcile_runs row ${runId}`);
  return totalsOf(row);
}

/** A page's commit: `committed` false when another attempt already moved the position past it (then `position` is where it is). */
export interface PageCommit {
  committed: boolean;
  totals: RunTotals;
  position: string | null;
}

/**
 * Incremental page: moves the checkpoint from `cursor` to `nextCursor`, applies
 * the page's states and counts them on the run, in one statement. The
 * compare-and-set's row lock serialises attempts like SELECT ... FOR UPDATE
 * would: a concurrent attempt blocks, re-checks the cursor against the
 * committed row, matches nothing, and applies nothing. "Changed" counts
 * objects, not writes (see countedUpsertCtes).
 */
export async function commitChangesPage(
  x: Executor,
  p: {
    connectionId: string;
    runId: string;
    source: string;
    cursor: string | null;
    nextCursor: string | null;
    states: StateToApply[];
  },
): Promise<PageCommit> {
  const maxVersion = BigInt(Math.trunc(p.states.reduce((m, i) => Math.max(m, i.state.version ?? 0), 0)));
  const [row] = await x.$queryRaw<(TotalsRow & { moved: boolean })[]>`
    WITH cas AS (
      UPDATE sync_checkpoints SET cursor = ${p.nextCursor}, updated_at = now(),
        high_water_mark = GREATEST(COALESCE(high_water_mark, 0), ${maxVersion})
      WHERE connection_id = ${p.connectionId} AND cursor IS NOT DISTINCT FROM ${p.cursor}
      RETURNING 1
    ), ${countedUpsertCtes(p.connectionId, p.source, p.states, Prisma.sql`EXISTS (SELECT 1 FROM cas)`)},
    run AS (
      UPDATE reconcile_runs SET pages = pages + 1, records_seen = records_seen + ${p.states.length},
        records_changed = records_changed + (SELECT new_to_source FROM counted), checkpoint_reached = ${p.nextCursor}
      WHERE id = ${p.runId} AND EXISTS (SELECT 1 FROM cas)
      RETURNING pages, records_seen, records_changed, records_deleted
    )
    SELECT EXISTS (SELECT 1 FROM cas) AS moved, run.* FROM (SELECT 1) AS one LEFT JOIN run ON true`;
  if (row?.moved) return { committed: true, totals: totalsOf(row), position: p.nextCursor };
  const current = await x.syncCheckpoint.findUniqueOrThrow({ where: { connectionId: p.connectionId } });
  return { committed: false, totals: await runTotals(x, p.runId), position: current.cursor };
}

/** Full-diff listing page: records the listed ids and moves the run's listing position, in one statement gated on that position. */
export async function commitIdsPage(
  x: Executor,
  p: {
    runId: string;
    cursor: string | null;
    nextCursor: string | null;
    keys: Array<{ objectType: string; objectId: string }>;
  },
): Promise<PageCommit> {
  const types = p.keys.map((i) => i.objectType);
  const ids = p.keys.map((i) => i.objectId);
  const [row] = await x.$queryRaw<TotalsRow[]>`
    WITH run AS (
      UPDATE reconcile_runs SET pages = pages + 1, records_seen = records_seen + ${p.keys.length}, checkpoint_reached = ${p.nextCursor}
      WHERE id = ${p.runId} AND checkpoint_reached IS NOT DISTINCT FROM ${p.cursor}
      RETURNING pages, records_seen, records_changed, records_deleted
    ), seen AS (
      INSERT INTO reconcile_seen_ids (run_id, object_type, object_id)
      SELECT ${p.runId}, t.object_type, t.object_id FROM unnest(${types}::text[], ${ids}::text[]) AS t(object_type, object_id)
      WHERE EXISTS (SELECT 1 FROM run)
      ON CONFLICT DO NOTHING
    )
    SELECT * FROM run`;
  if (row) return { committed: true, totals: totalsOf(row), position: p.nextCursor };
  const current = await x.reconcileRun.findUniqueOrThrow({
    where: { id: p.runId },
    select: { checkpointReached: true },
  });
  return { committed: false, totals: await runTotals(x, p.runId), position: current.checkpointReached };
}

/** Keys the run's listing named that this copy lacks or holds as deleted, in key order after `after`. */
export async function listedButMissing(
  x: Executor,
  a: { connectionId: string; runId: string; after: { objectType: string; objectId: string } | null; limit: number },
) {
  const rows = await x.$queryRaw<{ object_type: string; object_id: string }[]>`
    SELECT s.object_type, s.object_id FROM reconcile_seen_ids s
    LEFT JOIN sync_records r ON r.connection_id = ${a.connectionId} AND r.object_type = s.object_type AND r.object_id = s.object_id
    WHERE s.run_id = ${a.runId} AND (r.object_id IS NULL OR r.deleted)
      AND (${a.after === null} OR (s.object_type, s.object_id) > (${a.after?.objectType ?? ''}, ${a.after?.objectId ?? ''}))
    ORDER BY s.object_type, s.object_id
    LIMIT ${a.limit}`;
  return rows.map((r) => ({ objectType: r.object_type, objectId: r.object_id }));
}

export async function addChangedToRun(x: Executor, runId: string, changed: number): Promise<void> {
  await x.$executeRaw`UPDATE reconcile_runs SET records_changed = records_changed + ${changed} WHERE id = ${runId}`;
}

/**
 * After a status write that matched no row: a missing run is an error, a run
 * whose status may not move to `to` (RUN_TRANSITIONS) is RunTransitionRefusedError.
 */
async function refused(x: Executor, runId: string, to: ReconcileStatus): Promise<never> {
  const row = await x.reconcileRun.findUnique({ where: { id: runId }, select: { status: true } });
  if (!row) throw new Error(`no reconcile_runs row ${runId}`);
  throw new RunTransitionRefusedError(
    `reconcile_runs row ${runId}: ${row.status} -> ${to} is not an allowed transition`,
  );
}

/** The mass-deletion guard held the run: it waits for an operator. Returns the run's workflow id. */
export async function blockRun(x: Executor, runId: string, error: string): Promise<string> {
  const [run] = await x.$queryRaw<{ workflow_id: string }[]>`
    UPDATE reconcile_runs SET status = 'blocked', error = ${error}
    WHERE id = ${runId} AND status = ANY(${runAllowedFrom('blocked')}::text[])
    RETURNING workflow_id`;
  return run?.workflow_id ?? refused(x, runId, 'blocked');
}

/** The full diff's deletions were applied: counted, and the run is running again. */
export async function addDeletedToRun(x: Executor, runId: string, deleted: number): Promise<RunTotals> {
  const [run] = await x.$queryRaw<TotalsRow[]>`
    UPDATE reconcile_runs SET records_deleted = records_deleted + ${deleted}, status = 'running', error = NULL
    WHERE id = ${runId} AND status = ANY(${runAllowedFrom('running')}::text[])
    RETURNING pages, records_seen, records_changed, records_deleted`;
  return run ? totalsOf(run) : refused(x, runId, 'running');
}

/** Ends a run (idempotent: the first finish time and duration stay) and forgets its listed ids. Returns the run's row. */
export async function finishRun(x: Executor, f: { runId: string; status: ReconcileStatus; error?: string }) {
  const n = await x.$executeRaw`
    UPDATE reconcile_runs SET status = ${f.status}, error = COALESCE(${f.error ?? null}, error),
      finished_at = COALESCE(finished_at, now()),
      duration_ms = COALESCE(duration_ms, (EXTRACT(EPOCH FROM (now() - started_at)) * 1000)::int)
    WHERE id = ${f.runId} AND status = ANY(${runAllowedFrom(f.status)}::text[])`;
  if (n === 0) await refused(x, f.runId, f.status);
  await x.reconcileSeenId.deleteMany({ where: { runId: f.runId } });
  return x.reconcileRun.findUniqueOrThrow({ where: { id: f.runId } });
}

/** Runs in OPEN_RUN_STATUSES started before `startedBefore`, oldest first, at most `limit`; of `connectionIds` only, when given. */
export function listOpenRuns(x: Executor, a: { connectionIds?: string[]; startedBefore: Date; limit: number }) {
  return x.reconcileRun.findMany({
    where: {
      status: { in: [...OPEN_RUN_STATUSES] },
      startedAt: { lt: a.startedBefore },
      ...(a.connectionIds ? { connectionId: { in: a.connectionIds } } : {}),
    },
    orderBy: { startedAt: 'asc' },
    take: a.limit,
    select: { id: true, workflowId: true, status: true },
  });
}

/** Ends a run no workflow will end (closed from outside), only while it is still open; returns whether it moved. */
export async function settleOpenRun(
  x: Executor,
  a: { runId: string; from: ReconcileStatus; status: ReconcileStatus; error: string },
): Promise<boolean> {
  if (!canTransitionRun(a.from, a.status))
    throw new RunTransitionRefusedError(
      `reconcile_runs row ${a.runId}: ${a.from} -> ${a.status} is not an allowed transition`,
    );
  const n = await x.$executeRaw`
    UPDATE reconcile_runs SET status = ${a.status}, error = ${a.error}, finished_at = COALESCE(finished_at, now()),
      duration_ms = COALESCE(duration_ms, (EXTRACT(EPOCH FROM (now() - started_at)) * 1000)::int)
    WHERE id = ${a.runId} AND status = ${a.from}`;
  if (n > 0) await x.reconcileSeenId.deleteMany({ where: { runId: a.runId } });
  return n > 0;
}

/** The last `n` runs that ended (succeeded or failed), newest first. */
export function recentEndedRuns(x: Executor, connectionId: string, n: number) {
  return x.reconcileRun.findMany({
    where: { connectionId, status: { in: ['succeeded', 'failed'] } },
    orderBy: { startedAt: 'desc' },
    take: n,
  });
}

export function listRuns(x: Executor, connectionId: string, limit: number) {
  return x.reconcileRun.findMany({ where: { connectionId }, orderBy: { startedAt: 'desc' }, take: limit });
}

export function lastRun(x: Executor, connectionId: string) {
  return x.reconcileRun.findFirst({ where: { connectionId }, orderBy: { startedAt: 'desc' } });
}

/** The newest full diff waiting on the mass-deletion guard. */
export function findBlockedFullRun(x: Executor, connectionId: string) {
  return x.reconcileRun.findFirst({
    where: { connectionId, mode: 'full', status: 'blocked', finishedAt: null },
    orderBy: { startedAt: 'desc' },
  });
}

/** The age of the oldest checkpoint per connector, over enabled connections. */
export async function checkpointAgesByConnector(x: Executor): Promise<Array<{ connector: string; ageSec: number }>> {
  const rows = await x.$queryRaw<Array<{ connector: string; age_sec: number }>>`
    SELECT c.connector, EXTRACT(EPOCH FROM (now() - min(s.updated_at)))::float8 AS age_sec
    FROM sync_checkpoints s JOIN connections c ON c.id = s.connection_id
    WHERE c.enabled
    GROUP BY c.connector`;
  return rows.map((r) => ({ connector: r.connector, ageSec: r.age_sec }));
}
