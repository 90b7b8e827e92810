// Reconciliation run lifecycle: start (row + plan), the full diff's deletion
// plan and deletes, finish, and the health check. Every step is idempotent so
// the workflow can retry any of them.
//
// Full-diff deletes: a local live record the partner did not list is marked
// deleted WITHOUT advancing its version (the listing does not say which
// version deleted it), so any later partner state of that object still wins
// the version guard. Records written after the listing began are never
// candidates: the listing may predate them.
import { ReconcileNotSupportedError } from '../errors/operatorErrors';
import { workflowLink } from '../alerts/links';
import { loadTarget } from '../connections/reconcileTarget';
import { checkHealth } from './reconcileHealthChecks';
import type {
  DeletePlan,
  ReconcileMode,
  ReconcileResult,
  ReconcileStatus,
  RunPlan,
  RunTotals,
} from '../contracts/reconcileContract';
import { toTemporalFailure } from './failures';
import {
  addDeletedToRun,
  blockRun,
  createRun,
  ensureCheckpoint,
  finishRun,
  OPEN_RUN_STATUSES,
  settleOpenRun,
} from '../store/reconcileState';
import { countDeleteCandidates, tombstoneUnlisted } from '../store/syncRecords';
import type { ActivityDeps } from './deps';

export function createReconcileRunActivities(
  deps: Pick<ActivityDeps, 'db' | 'connections' | 'http' | 'alerter' | 'links'>,
) {
  return {
    async startReconcileRun(args: {
      connectionId: string;
      mode: ReconcileMode;
      runId: string;
      workflowId: string;
    }): Promise<RunPlan> {
      const t = await loadTarget(deps.db, deps.connections, deps.http, args.connectionId).catch((err: unknown) => {
        throw toTemporalFailure(err);
      });
      if (!t.conn.enabled || !t.settings.enabled) {
        throw toTemporalFailure(
          new ReconcileNotSupportedError(
            `reconciliation of connection ${args.connectionId} is off (connection or settings disabled)`,
          ),
        );
      }
      const able = args.mode === 'full' ? t.canListIds : t.canListChanges;
      if (!able)
        throw toTemporalFailure(
          new ReconcileNotSupportedError(
            `connection ${args.connectionId} cannot list ${args.mode === 'full' ? 'ids' : 'changes'}`,
          ),
        );
      await ensureCheckpoint(deps.db, args.connectionId);
      await createRun(deps.db, args);
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

    async planDeletes(args: {
      connectionId: string;
      runId: string;
      maxDeleteShare: number;
      guardMinDeletes: number;
      confirmed: boolean;
    }): Promise<DeletePlan> {
      const { live, candidates } = await countDeleteCandidates(deps.db, args.connectionId, args.runId);
      const share = live === 0 ? 0 : candidates / live;
      const blocked = !args.confirmed && candidates >= Math.max(1, args.guardMinDeletes) && share > args.maxDeleteShare;
      if (!blocked) return { live, candidates, share, blocked };
      const workflowId = await blockRun(
        deps.db,
        args.runId,
        `mass deletion blocked: ${candidates} of ${live} live records (${(share * 100).toFixed(1)}%)`,
      );
      const conn = await deps.connections.get(args.connectionId);
      const alert = {
        kind: 'reconcile.mass_delete_blocked' as const,
        connectionId: args.connectionId,
        connector: conn.connector,
        title: `Full diff would delete ${candidates} of ${live} records; waiting for confirmation`,
        fields: {
          runId: args.runId,
          candidates,
          live,
          share: Number(share.toFixed(4)),
          maxDeleteShare: args.maxDeleteShare,
        },
        command: `npx syncline reconcile confirm-deletes ${args.connectionId}   (or --reject)`,
        link: workflowLink(deps.links, workflowId),
      };
      await deps.alerter.send(alert);
      return { live, candidates, share, blocked };
    },

    async applyDeletes(args: { connectionId: string; runId: string }): Promise<RunTotals> {
      return deps.db.$transaction(async (tx) => {
        const deleted = await tombstoneUnlisted(tx, {
          connectionId: args.connectionId,
          runId: args.runId,
          source: `reconcile:${args.runId}`,
        });
        return addDeletedToRun(tx, args.runId, deleted);
      });
    },

    async finishReconcileRun(args: {
      runId: string;
      status: ReconcileStatus;
      error?: string;
      deletePlan?: DeletePlan;
    }): Promise<ReconcileResult> {
      const run = await finishRun(deps.db, args);
      return {
        runId: run.id,
        connectionId: run.connectionId,
        mode: run.mode as ReconcileMode,
        status: run.status as ReconcileStatus,
        pages: run.pages,
        recordsSeen: run.recordsSeen,
        recordsChanged: run.recordsChanged,
        recordsDeleted: run.recordsDeleted,
        durationMs: run.durationMs ?? 0,
        checkpoint: run.checkpointReached,
        ...(args.deletePlan ? { deletePlan: args.deletePlan } : {}),
      };
    },

    /** The run was cancelled from outside: recorded as such if still open (a run row may not exist yet). */
    async cancelReconcileRun(args: { runId: string; error: string }): Promise<void> {
      for (const from of OPEN_RUN_STATUSES)
        await settleOpenRun(deps.db, { runId: args.runId, from, status: 'cancelled', error: args.error });
    },

    /** Alerts for failing runs and stale checkpoints; one connection, or all of them when none is given. */
    async checkReconcileHealth(args: { connectionId?: string }): Promise<{ kind: string; connectionId: string }[]> {
      return checkHealth(deps, args.connectionId);
    },
  };
}
