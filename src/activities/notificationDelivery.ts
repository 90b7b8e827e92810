// Activities of the notifyProduct workflow (src/workflows/notifyProduct.ts).
// deliverNotificationBatch: reads the feed page after the product's delivered
// cursor (the records API's own page), POSTs at most NOTIFY_BATCH_MAX_CHANGES changes as one signed
// notification, and moves the cursor only after the product's 2xx. A failed
// POST is recorded (attempts, last error) and thrown, so Temporal retries it.
// The batch is pinned before its first POST (product_notifications.pending_*):
// every retry sends the same changes with the same webhook-id, since the product
// may have stored an attempt whose 2xx never reached us (a timeout, a worker or
// PostgreSQL restart before the cursor moved) and it ignores, as a re-delivery,
// any notification from a cursor it has passed; a grown batch would lose it the
// changes added since. Changes below the feed's horizon never change, so reading
// the pinned number of changes after the same cursor gives the same page.
import { resumeNotificationsCommand, workflowLink } from '../alerts/links';
import type { BatchResult } from '../contracts/notifyContract';
import { postNotification } from '../notifications/delivery';
import { resolveEndpoint } from '../notifications/endpoint';
import { buildBody } from '../notifications/message';
import { findConnectionRow } from '../store/connectionRows';
import {
  findDeliveryCursor,
  pinBatch,
  type PinnedBatch,
  recordDelivered,
  recordFailedAttempt,
  recordHealthy,
  recordParked,
} from '../store/productNotifications';
import { RecordsFeed } from '../records/recordsFeed';
import type { ActivityDeps } from './deps';

interface NotifyArgs {
  connectionId: string;
  workflowId: string;
}

export function createNotificationActivities(
  deps: Pick<ActivityDeps, 'db' | 'connections' | 'http' | 'alerter' | 'links' | 'notify'>,
) {
  const { notify } = deps;
  const feed = new RecordsFeed(deps.db);

  /** The pinned batch after `cursor` if one is (`repeat`), else the next feed page (at most NOTIFY_BATCH_MAX_CHANGES). */
  async function readBatch(connectionId: string, cursor: string | null, pinned: PinnedBatch | null) {
    if (pinned) {
      const page = await feed.changes(connectionId, { cursor: cursor ?? undefined, limit: pinned.changes });
      if (page.nextCursor === pinned.to) return { page, repeat: true };
      // Only if retention removed changes of the pinned batch: nothing of it can be sent as it was.
    }
    const page = await feed.changes(connectionId, { cursor: cursor ?? undefined, limit: notify.batchMaxChanges });
    return { page, repeat: false };
  }

  return {
    async deliverNotificationBatch(a: NotifyArgs): Promise<BatchResult> {
      const conn = await deps.connections.find(a.connectionId);
      const row = await findConnectionRow(deps.db, a.connectionId);
      const { cursor, pinned } = await findDeliveryCursor(deps.db, a.connectionId);
      const idle = { delivered: 0, cursor, more: false };
      if (!conn || !row || !conn.enabled) return idle;
      const endpoint = resolveEndpoint({ ...conn, rawSettings: row.settings }, notify.globals);
      if (endpoint === null) return idle;
      const { page, repeat } = await readBatch(a.connectionId, cursor, pinned);
      if (page.changes.length === 0) {
        await recordHealthy(deps.db, a.connectionId);
        return idle;
      }
      const body = buildBody(a.connectionId, cursor, page);
      if (!repeat)
        await pinBatch(deps.db, {
          connectionId: a.connectionId,
          from: cursor,
          to: body.nextCursor,
          changes: body.changes.length,
        });
      try {
        await postNotification(deps.http, endpoint, body, {
          timeoutMs: notify.timeoutMs,
          nowSec: Math.floor(Date.now() / 1000),
        });
      } catch (err) {
        await recordFailedAttempt(deps.db, a.connectionId, (err as Error).message);
        throw err;
      }
      await recordDelivered(deps.db, {
        connectionId: a.connectionId,
        from: cursor,
        to: body.nextCursor,
        changes: body.changes.length,
      });
      return { delivered: body.changes.length, cursor: body.nextCursor, more: body.hasMore };
    },

    /** The retry schedule is spent: the row says parked, and on-call is told how to resume. */
    async parkNotifications(a: NotifyArgs & { error: string }): Promise<void> {
      const row = await recordParked(deps.db, a.connectionId, a.error);
      const connector = (await findConnectionRow(deps.db, a.connectionId))?.connector ?? 'unknown';
      await deps.alerter.send({
        kind: 'notifications.parked',
        connectionId: a.connectionId,
        connector,
        title: `Notifications to the product parked for connection ${a.connectionId}: its endpoint keeps failing`,
        fields: {
          connection: a.connectionId,
          lastError: row.lastError,
          failedAttempts: row.failedAttempts,
          deliveredCursor: row.cursor,
          lastDeliveredAt: row.lastDeliveredAt?.toISOString() ?? null,
          workflowId: a.workflowId,
        },
        link: workflowLink(deps.links, a.workflowId),
        command: resumeNotificationsCommand(a.connectionId),
      });
    },
  };
}
