// Where a connection's product notifications stand, for the ops CLI and the
// admin API: its endpoint (or why it has none), parked or not, the delivered
// cursor, the backlog (readable changes after it), the last error.
import type { ConnectionRepository } from '../connections/repository';
import { notifierWorkflowId } from '../contracts/notifyContract';
import type { Db } from '../db/prisma';
import { UnknownConnectionError } from '../errors/connectionErrors';
import { findConnectionRow } from '../store/connectionRows';
import { findNotificationState, notificationBacklog } from '../store/productNotifications';
import { type NotifyGlobals, resolveEndpoint } from './endpoint';

/** The backlog is counted up to this many changes (`backlogCapped` beyond). */
export const BACKLOG_COUNT_CAP = 10_000;

export interface NotificationStatus {
  connectionId: string;
  /** The URL, `none (not notified)`, or `invalid: <why>`. */
  endpoint: string;
  status: 'active' | 'parked';
  cursor: string | null;
  backlog: number;
  backlogCapped: boolean;
  failedAttempts: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  parkedAt: Date | null;
  lastDeliveredAt: Date | null;
  deliveredBatches: number;
  deliveredChanges: number;
  workflowId: string;
}

export async function notificationStatus(
  db: Db,
  connections: ConnectionRepository,
  globals: NotifyGlobals,
  connectionId: string,
): Promise<NotificationStatus> {
  const conn = await connections.find(connectionId);
  const row = await findConnectionRow(db, connectionId);
  if (!conn || !row) throw new UnknownConnectionError(`unknown connection "${connectionId}"`);
  let endpoint: string;
  try {
    endpoint = resolveEndpoint({ ...conn, rawSettings: row.settings }, globals)?.url ?? 'none (not notified)';
  } catch (err) {
    endpoint = `invalid: ${(err as Error).message}`;
  }
  const state = await findNotificationState(db, connectionId);
  const backlog = await notificationBacklog(db, connectionId, BACKLOG_COUNT_CAP);
  return {
    connectionId,
    endpoint,
    status: state?.status ?? 'active',
    cursor: state?.cursor ?? null,
    backlog,
    backlogCapped: backlog >= BACKLOG_COUNT_CAP,
    failedAttempts: state?.failedAttempts ?? 0,
    lastError: state?.lastError ?? null,
    lastErrorAt: state?.lastErrorAt ?? null,
    parkedAt: state?.parkedAt ?? null,
    lastDeliveredAt: state?.lastDeliveredAt ?? null,
    deliveredBatches: state?.deliveredBatches ?? 0,
    deliveredChanges: state?.deliveredChanges ?? 0,
    workflowId: notifierWorkflowId(connectionId),
  };
}
