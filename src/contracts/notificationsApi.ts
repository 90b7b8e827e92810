// The wire format of a notification to the product (docs/notifications.md),
// shared with the typed client (src/client/notifications.ts). Types only.
//
// A notification is a page of the change feed: `changes`, `nextCursor` and
// `hasMore` are exactly what `GET /v1/connections/:id/changes?cursor=<previousCursor>`
// answered when it was sent (same limit), plus who it is about. The product
// applies a notification whose `previousCursor` equals the cursor it stored
// (null: it has stored none, the feed's start), then stores `nextCursor`. One
// whose `previousCursor` it has already moved past is a re-delivery; one that
// is ahead of its cursor means it lost its place: it reads the feed from its
// own cursor (the feed alone always catches up).
import type { ChangesPage } from './recordsApi';

export const NOTIFICATION_TYPE = 'records.changed';

export interface NotificationBody extends ChangesPage {
  type: typeof NOTIFICATION_TYPE;
  connectionId: string;
  previousCursor: string | null;
}
