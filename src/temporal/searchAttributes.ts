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
