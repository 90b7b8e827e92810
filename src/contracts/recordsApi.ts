// The wire format of the product's records API (src/api/productRecords.ts), shared
// with the typed client (src/client). Types only: the client imports nothing
// from the server at run time. Versions are decimal strings (they are 64-bit
// in the database); times are ISO 8601; cursors are opaque strings.

/** What last changed a record: a webhook event, or a reconciliation run. */
export type ChangeSource =
  { kind: 'webhook'; eventId: string } | { kind: 'reconcile'; runId: string } | { kind: 'other'; raw: string };

/** A record's state as one change left it (a tombstone has deleted: true and data: null). */
export interface RecordState {
  type: string;
  id: string;
  version: string;
  deleted: boolean;
  data: unknown;
  source: ChangeSource;
  changedAt: string;
}

/** One entry of the change feed; `cursor` is its position (read after it to continue). */
export type ChangeView = RecordState & { cursor: string };

/** A record as listed in change order: its current state at the position of its last change. */
export type RecordView = RecordState & { cursor: string; createdAt: string };

export interface ChangesPage {
  changes: ChangeView[];
  /** Pass back as `cursor` to read what follows; equals the request's cursor when nothing new is readable. */
  nextCursor: string;
  /** More entries are readable now; false = caught up (for now). */
  hasMore: boolean;
}

export interface RecordsPage {
  records: RecordView[];
  nextCursor: string;
  hasMore: boolean;
}

export interface RecordAnswer {
  record: RecordState & { createdAt: string };
}

/** The body of every 4xx/5xx answer. */
export interface ErrorAnswer {
  error: string;
  message?: string;
}

export const RECORDS_DEFAULT_LIMIT = 100;
export const RECORDS_MAX_LIMIT = 1000;
