// Search attributes syncline keeps on every event workflow, so engineers can
// find stuck events in the Web UI (`SynclineConnection = "acme" AND
// SynclineStatus = "parked"`). Registered when the dev server starts and, on
// other clusters, by `ensureSearchAttributes` at worker start-up.
import { defineSearchAttributeKey } from '@temporalio/common';

export const SA_CONNECTION = defineSearchAttributeKey('SynclineConnection', 'KEYWORD');
export const SA_CONNECTOR = defineSearchAttributeKey('SynclineConnector', 'KEYWORD');
export const SA_EVENT_TYPE = defineSearchAttributeKey('SynclineEventType', 'KEYWORD');
export const SA_OBJECT_ID = defineSearchAttributeKey('SynclineObjectId', 'KEYWORD');
export const SA_STATUS = defineSearchAttributeKey('SynclineStatus', 'KEYWORD');

export const SEARCH_ATTRIBUTE_NAMES = [SA_CONNECTION, SA_CONNECTOR, SA_EVENT_TYPE, SA_OBJECT_ID, SA_STATUS].map(
  (k) => k.name,
);

/**
 * The visibility query for events whose SynclineStatus is `status` (docs/web-ui.md). A run
 * processed at its first try keeps the `processing` its start set, since an upsert is a billed
 * Temporal Cloud Action (issue 17): `processing` is such a run while it is Running, and
 * `processed` includes one that Completed still showing `processing`. `status` must already be
 * checked against the caller's alphabet; it is quoted, not escaped.
 */
export function statusQuery(status: string): string {
  const is = (s: string) => `${SA_STATUS.name} = "${s}"`;
  if (status === 'processing') return `(${is('processing')} AND ExecutionStatus = "Running")`;
  if (status === 'processed') return `(${is('processed')} OR (${is('processing')} AND ExecutionStatus = "Completed"))`;
  return is(status);
}
