// The body and headers of one notification (wire format: src/contracts/notificationsApi.ts).
// The body is built from the records API's own feed page (src/records/recordsFeed.ts),
// so a notification and `GET .../changes?cursor=<previousCursor>` cannot disagree.
// Signed with Standard Webhooks (`webhook-id`, `webhook-timestamp`,
// `webhook-signature: v1,<base64>`) by src/signatures, the same code that
// verifies partners' Standard Webhooks.
import crypto from 'node:crypto';
import { NOTIFICATION_TYPE, type NotificationBody } from '../contracts/notificationsApi';
import type { ChangesPage } from '../contracts/recordsApi';
import { signDelivery } from '../signatures';

export function buildBody(connectionId: string, previousCursor: string | null, page: ChangesPage): NotificationBody {
  return { type: NOTIFICATION_TYPE, connectionId, previousCursor, ...page };
}

/** One id per batch (same cursors, same id): a retry of an unchanged batch carries the id of its first attempt. */
export function notificationId(body: NotificationBody): string {
  const digest = crypto
    .createHash('sha256')
    .update(`${body.connectionId}\n${body.previousCursor ?? ''}\n${body.nextCursor}`)
    .digest('hex');
  return `ntf_${digest.slice(0, 32)}`;
}

/** Headers for the POST: content type plus the three Standard Webhooks headers over the exact bytes sent. */
export function signedHeaders(rawBody: Buffer, id: string, secret: string, nowSec: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...signDelivery({ scheme: 'standard-webhooks' }, { rawBody, secret, nowSec, eventId: id }),
  };
}
