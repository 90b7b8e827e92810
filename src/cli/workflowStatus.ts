// Where an event's workflow can be seen: a Temporal Web UI link (always) and,
// when Temporal answers within a few seconds, the execution's status. Temporal
// being down or the workflow being gone (retention) is reported, not thrown:
// the database row is still worth showing.
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { Env } from '../config';
import { targetFromEnv } from '../temporal/connection';

const CONNECT_TIMEOUT_MS = 2_000;
const DESCRIBE_TIMEOUT_MS = 5_000;

export type WorkflowStatus =
  | { reachable: true; found: true; status: string; runId: string; startTime: Date; closeTime: Date | null; historyLength: number }
  | { reachable: true; found: false }
  | { reachable: false; address: string; reason: string };

export function temporalUiLink(env: Env, workflowId: string): string {
  const ui = (env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${env.TEMPORAL_DEV_UI_PORT}`).replace(/\/+$/, '');
  return `${ui}/namespaces/${encodeURIComponent(env.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}

export async function describeWorkflow(env: Env, workflowId: string): Promise<WorkflowStatus> {
  const target = targetFromEnv(env, `127.0.0.1:${env.TEMPORAL_DEV_PORT}`);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, tls: target.tls || undefined, apiKey: target.apiKey, connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (err) {
    return { reachable: false, address: target.address, reason: (err as Error).message };
  }
  try {
    const client = new Client({ connection, namespace: target.namespace });
    const info = await client.withDeadline(Date.now() + DESCRIBE_TIMEOUT_MS, () => client.workflow.getHandle(workflowId).describe());
    return { reachable: true, found: true, status: info.status.name, runId: info.runId, startTime: info.startTime, closeTime: info.closeTime ?? null, historyLength: info.historyLength };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { reachable: true, found: false };
    return { reachable: false, address: target.address, reason: (err as Error).message };
  } finally {
    await connection.close();
  }
}

export function describeStatus(s: WorkflowStatus): string {
  if (!s.reachable) return `unknown: Temporal not reachable at ${s.address} (${s.reason})`;
  if (!s.found) return 'not found in Temporal (never started, or past retention)';
  return `${s.status} (run ${s.runId}, ${s.historyLength} history events${s.closeTime ? `, closed ${s.closeTime.toISOString()}` : ''})`;
}
