// What reconciliation needs to know about one connection: the resolved
// connection, a partner client, whether it is polling-only, and its
// reconciliation settings (read from the raw settings JSON, which connector
// schemas strip), and the partner retry schedule its connector declares.
import type { ConnectionRepository } from './repository';
import { getConnector } from '../connectors/connectorRegistry';
import type { PartnerClient, ResolvedConnection } from '../connectors/types';
import { type PartnerClock, systemPartnerClock } from '../connectors/observedVersion';
import type { Db } from '../db/prisma';
import type { RetrySettings } from '../contracts/processEventContract';
import { parseReconcileSettings, type ReconcileSettings } from './reconcileSettings';
import { UnknownConnectionError } from '../errors/connectionErrors';
import { findConnectionRow } from '../store/connectionRows';

export interface ReconcileTarget {
  conn: ResolvedConnection;
  client: PartnerClient;
  pollingOnly: boolean;
  settings: ReconcileSettings;
  retry: RetrySettings;
  /** The connector can list changes (incremental) / ids (full diff). */
  canListChanges: boolean;
  canListIds: boolean;
}

export async function loadTarget(
  db: Db,
  connections: ConnectionRepository,
  http: typeof fetch,
  connectionId: string,
  clock: PartnerClock = systemPartnerClock,
): Promise<ReconcileTarget> {
  const conn = await connections.get(connectionId);
  const row = await findConnectionRow(db, connectionId);
  if (!row) throw new UnknownConnectionError(`unknown connection "${connectionId}"`);
  const connector = getConnector(conn.connector);
  const client = connector.createClient(conn, http, clock);
  const pollingOnly = connector.signature(conn.settings) === null;
  const raw = row.settings as Record<string, unknown> | null;
  return {
    conn,
    client,
    pollingOnly,
    settings: parseReconcileSettings(raw, pollingOnly),
    retry: connector.retrySettings(conn.settings),
    canListChanges: typeof client.listChanges === 'function',
    canListIds: typeof client.listIds === 'function',
  };
}
