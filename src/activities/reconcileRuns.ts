// Reconciliation run lifecycle: start (row + plan), the full diff's deletion
// plan and deletes, finish, and the health check. Every step is idempotent so
// the workflow can retry any of them.
//
// Full-diff deletes: a local live record the partner did not list is marked
// deleted WITHOUT advancing its version (the listing does not say which
// version deleted it), so any later partner state of that object still wins
// the version guard. Records written after the listing began are never
// candidates: the listing may predate them.
import { log } from '@temporalio/activity';
import { ReconcileNotSupportedError } from '../errors/operatorErrors';
import { workflowLink } from '../alerts/links';
import { loadTarget } from '../reconcile/target';
import { checkHealth } from './reconcileHealth';
import type { DeletePlan, ReconcileMode, ReconcileResult, ReconcileStatus, RunPlan, RunTotals } from '../contracts/reconcileConnection';
import { toTemporalFailure } from './failures';
import type { ActivityDeps } from './index';

export function createReconcileRunActivities(deps: ActivityDeps) {
  return {
    async startReconcileRun(args: { connectionId: string; mode: ReconcileMode; runId: string; workflowId: string }): Promise<RunPlan> {
      const t = await loadTarget(deps.db, deps.connections, deps.http, args.connectionId).catch((err: unknown) => { throw toTemporalFailure(err); });
      if (!t.conn.enabled || !t.settings.enabled) {
        throw toTemporalFailure(new ReconcileNotSupportedError(`reconciliation of connection ${args.connectionId} is off (connection or settings disabled)`));
      }
      const able = args.mode === 'full' ? t.canListIds : t.canListChanges;
      if (!able) throw toTemporalFailure(new ReconcileNotSupportedError(`connection ${args.connectionId} cannot list ${args.mode === 'full' ? 'ids' : 'changes'}`));
      await deps.db.$executeRaw`INSERT INTO sync_checkpoints (connection_id, updated_at) VALUES (${args.connectionId}, now()) ON CONFLICT DO NOTHING`;
      await deps.db.$executeRaw`
        INSERT INTO reconcile_runs (id, connection_id, workflow_id, mode) VALUES (${args.runId}, ${args.connectionId}, ${args.workflowId}, ${args.mode})
        ON CONFLICT DO NOTHING`;
      const s = t.settings;
      return {
        runId: args.runId,
        pageSize: s.pageSize,
        requestSpacingMs: s.requestsPerSecond ? Math.ceil(1000 / s.requestsPerSecond) : 0,
        heartbeatTimeoutMs: s.heartbeatTimeoutMs,
        maxPagesPerExecution: s.maxPagesPerExecution,
        pagesPerActivity: s.pagesPerActivity,
        retry: t.retry,
        maxDeleteShare: s.fullDiff.maxDeleteShare,
        guardMinDeletes: s.fullDiff.guardMinDeletes,
        confirmWaitMs: s.fullDiff.confirmWaitMs,
        restoreMissing: s.fullDiff.restoreMissing && s.fullDiff.maxRestoresPerRun > 0,
        maxRestoresPerRun: s.fullDiff.maxRestoresPerRun,
      };
    },

    async planDeletes(args: { connectionId: string; runId: string; maxDeleteShare: number; guardMinDeletes: number; confirmed: boolean }): Promise<DeletePlan> {
      const [row] = await deps.db.$queryRaw<{ live: number; candidates: number }[]>`
        SELECT count(*)::int AS live,
               count(*) FILTER (WHERE r.updated_at < run.started_at AND NOT EXISTS (
                 SELECT 1 FROM reconcile_seen_ids s WHERE s.run_id = run.id AND s.object_type = r.object_type AND s.object_id = r.object_id))::int AS candidates
        FROM sync_records r JOIN reconcile_runs run ON run.id = ${args.runId}
        WHERE r.connection_id = ${args.connectionId} AND r.deleted = false`;
      const live = row?.live ?? 0;
      const candidates = row?.candidates ?? 0;
      const share = live === 0 ? 0 : candidates / live;
      const blocked = !args.confirmed && candidates >= Math.max(1, args.guardMinDeletes) && share > args.maxDeleteShare;
      if (!blocked) return { live, candidates, share, blocked };
      const run = await deps.db.reconcileRun.update({ where: { id: args.runId }, data: { status: 'blocked', error: `mass deletion blocked: ${candidates} of ${live} live records (${(share * 100).toFixed(1)}%)` } });
      const conn = await deps.connections.get(args.connectionId);
      const alert = {
        kind: 'reconcile.mass_delete_blocked' as const,
        connectionId: args.connectionId,
        connector: conn.connector,
        title: `Full diff would delete ${candidates} of ${live} records; waiting for confirmation`,
        fields: { runId: args.runId, candidates, live, share: Number(share.toFixed(4)), maxDeleteShare: args.maxDeleteShare },
        command: `npx syncline reconcile confirm-deletes ${args.connectionId}   (or --reject)`,
        link: deps.links && workflowLink(deps.links, run.workflowId),
      };
      if (deps.alerter) await deps.alerter.send(alert);
      else log.warn('reconcile.mass_delete_blocked', alert.fields);
      return { live, candidates, share, blocked };
    },

    async applyDeletes(args: { connectionId: string; runId: string }): Promise<RunTotals> {
      return deps.db.$transaction(async (tx) => {
        const deleted = await tx.$executeRaw`
          UPDATE sync_records r SET deleted = true, data = NULL, source = ${`reconcile:${args.runId}`}, write_count = r.write_count + 1, updated_at = now()
          FROM reconcile_runs run
          WHERE run.id = ${args.runId} AND r.connection_id = ${args.connectionId} AND r.deleted = false AND r.updated_at < run.started_at
            AND NOT EXISTS (SELECT 1 FROM reconcile_seen_ids s WHERE s.run_id = run.id AND s.object_type = r.object_type AND s.object_id = r.object_id)`;
        const run = await tx.reconcileRun.update({ where: { id: args.runId }, data: { recordsDeleted: { increment: deleted }, status: 'running', error: null } });
        return { pages: run.pages, recordsSeen: run.recordsSeen, recordsChanged: run.recordsChanged, recordsDeleted: run.recordsDeleted };
      });
    },

    async finishReconcileRun(args: { runId: string; status: ReconcileStatus; error?: string; deletePlan?: DeletePlan }): Promise<ReconcileResult> {
      await deps.db.$executeRaw`
        UPDATE reconcile_runs SET status = ${args.status}, error = COALESCE(${args.error ?? null}, error),
          finished_at = COALESCE(finished_at, now()),
          duration_ms = COALESCE(duration_ms, (EXTRACT(EPOCH FROM (now() - started_at)) * 1000)::int)
        WHERE id = ${args.runId}`;
      await deps.db.reconcileSeenId.deleteMany({ where: { runId: args.runId } });
      const run = await deps.db.reconcileRun.findUniqueOrThrow({ where: { id: args.runId } });
      return {
        runId: run.id, connectionId: run.connectionId, mode: run.mode as ReconcileMode, status: run.status as ReconcileStatus,
        pages: run.pages, recordsSeen: run.recordsSeen, recordsChanged: run.recordsChanged, recordsDeleted: run.recordsDeleted,
        durationMs: run.durationMs ?? 0, checkpoint: run.checkpointReached, ...(args.deletePlan ? { deletePlan: args.deletePlan } : {}),
      };
    },

    /** Alerts for failing runs and stale checkpoints; one connection, or all of them when none is given. */
    async checkReconcileHealth(args: { connectionId?: string }): Promise<{ kind: string; connectionId: string }[]> {
      return checkHealth(deps, args.connectionId);
    },
  };
}
