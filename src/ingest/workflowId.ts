// Workflow ids are the deduplication key: one per (connection, partner event
// id). Ids with unusual characters or excessive length are hashed so the id
// stays readable in the Web UI and far below Temporal's length limit.
import crypto from 'node:crypto';

const READABLE_EVENT_ID = /^[A-Za-z0-9._:@-]{1,200}$/;

export function eventWorkflowId(connectionId: string, eventId: string): string {
  if (READABLE_EVENT_ID.test(eventId)) return `event:${connectionId}:${eventId}`;
  return `event:${connectionId}:sha256-${crypto.createHash('sha256').update(eventId).digest('hex')}`;
}
