// Where a connection's product notifications stand, for the ops CLI and the
// admin API: its endpoint (or why it has none), parked or not, the delivered
// cursor, the backlog (readable changes after it), the last error.
import type { ConnectionRepository } from '../connections/repository';
import { notifierWorkflowId } from '../contracts/notifyContract';
import type { Db } from '../db/prisma';
import { UnknownConnectionError } from '../errors/connectionErrors';
import { findConnectionRow } from '../store/connectionRows';
import { findNotificationState, notificationBacklog, type NotificationRow } from '../store/productNotifications';
import { type NotifyGlobals, resolveEndpoint } from './endpoint';

/** The backlog is counted up to this many changes (`backlogCapped` beyond). */
export const BACKLOG_COUNT_CAP = 10_000;

/** The stored notifier state (a never-notified connection's defaults when there is none), and what is derived. */
export interface NotificationStatus extends NotificationRow {
  /** The URL, `none (not notified)`, or `invalid: <why>`. */
  endpoint: string;
  backlog: number;
  backlogCapped: boolean;
  workflowId: string;
}

/** What a connection that was never notified reads as. */
function neverNotified(connectionId: string): NotificationRow {
  return {
    connectionId,
    cursor: null,
    status: 'active',
    failedAttempts: 0,
    lastError: null,
    lastErrorAt: null,
    parkedAt: null,
    lastDeliveredAt: null,
    deliveredBatches: 0,
    deliveredChanges: 0,
  };
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
    ...(state ?? neverNotified(connectionId)),
    endpoint,
    backlog,
    backlogCapped: backlog >= BACKLOG_COUNT_CAP,
    workflowId: notifierWorkflowId(connectionId),
  };
}
