// Reconciliation health: alerts when a connection's last N runs all failed
// (reconcile.failing) or when no page has succeeded for longer than its
// checkpoint max age (reconcile.checkpoint_stale). Run by the scheduled
// reconcileHealth workflow for every connection, and by a failing run for its
// own connection.
import { log } from '@temporalio/activity';
import { findConnectionRow, listConnectionIds } from '../store/connectionRows';
import { readCheckpoint, recentEndedRuns } from '../store/reconcileState';
import type { ActivityDeps } from './deps';
import { workflowLink } from '../alerts/links';
import type { Alert } from '../alerts/types';
import { loadTarget } from '../connections/reconcileTarget';

/** What the health check uses. */
export type HealthCheckDeps = Pick<ActivityDeps, 'db' | 'connections' | 'http' | 'alerter' | 'links'>;

async function alertsFor(deps: HealthCheckDeps, connectionId: string, nowMs: number): Promise<Alert[]> {
  const t = await loadTarget(deps.db, deps.connections, deps.http, connectionId);
  if (!t.conn.enabled || !t.settings.enabled || !t.canListChanges) return [];
  const alerts: Alert[] = [];
  const n = t.settings.failureAlertRuns;
  const recent = await recentEndedRuns(deps.db, connectionId, n);
  if (recent.length === n && recent.every((r) => r.status === 'failed')) {
    alerts.push({
      kind: 'reconcile.failing',
      connectionId,
      connector: t.conn.connector,
      title: `Reconciliation of ${connectionId} failed ${n} times in a row`,
      fields: {
        runs: n,
        lastRunId: recent[0]!.id,
        lastError: recent[0]!.error?.slice(0, 300) ?? null,
        workflowId: recent[0]!.workflowId,
      },
      command: `npx syncline reconcile runs ${connectionId}`,
      link: workflowLink(deps.links, recent[0]!.workflowId),
    });
  }
  const cp = await readCheckpoint(deps.db, connectionId);
  const conn = await findConnectionRow(deps.db, connectionId);
  if (!conn) throw new Error(`unknown connection "${connectionId}"`);
  const lastGoodMs = cp && cp.cursor !== null ? cp.updatedAt.getTime() : conn.createdAt.getTime();
  const ageMs = nowMs - lastGoodMs;
  if (ageMs > t.settings.checkpointMaxAgeMs) {
    alerts.push({
      kind: 'reconcile.checkpoint_stale',
      connectionId,
      connector: t.conn.connector,
      title: `Reconciliation checkpoint of ${connectionId} is ${Math.round(ageMs / 60_000)} min old`,
      fields: {
        ageMs,
        maxAgeMs: t.settings.checkpointMaxAgeMs,
        checkpointUpdatedAt: cp?.updatedAt.toISOString() ?? null,
      },
      command: `npx syncline reconcile status ${connectionId}`,
    });
  }
  return alerts;
}

export async function checkHealth(
  deps: HealthCheckDeps,
  connectionId?: string,
  nowMs = Date.now(),
): Promise<{ kind: string; connectionId: string }[]> {
  const ids = connectionId ? [connectionId] : await listConnectionIds(deps.db, { enabledOnly: true });
  const sent: { kind: string; connectionId: string }[] = [];
  for (const id of ids) {
    let alerts: Alert[];
    try {
      alerts = await alertsFor(deps, id, nowMs);
    } catch (err) {
      log.warn('reconcile.health_check_skipped', { connectionId: id, reason: (err as Error).message });
      continue;
    }
    for (const a of alerts) {
      await deps.alerter.send(a);
      sent.push({ kind: a.kind, connectionId: a.connectionId });
    }
  }
  return sent;
}
