// The product's view of sync_records: the change feed and the records in
// change order (src/store/recordChanges.ts), one record by key, in the wire
// format of src/contracts/recordsApi.ts. Used by the records API and the ops
// CLI. Contract: a page's nextCursor continues exactly after its last item, so
// a reader that keeps nextCursor sees every change once (docs/change-feed.md).
// Limits are clamped to RECORDS_MAX_LIMIT; a limit below 1 or a cursor we did
// not issue is refused (InvalidRecordsQueryError, InvalidCursorError).
import {
  type ChangeSource,
  type ChangesPage,
  type ChangeView,
  RECORDS_DEFAULT_LIMIT,
  RECORDS_MAX_LIMIT,
  type RecordAnswer,
  type RecordsPage,
  type RecordState,
} from '../contracts/recordsApi';
import { UnknownConnectionError } from '../errors/connectionErrors';
import { InvalidCursorError, InvalidRecordsQueryError, RecordNotFoundError } from '../errors/recordsErrors';
import { findConnectionRow } from '../store/connectionRows';
import type { Executor } from '../store/executor';
import { decodeCursor, encodeCursor, FEED_START, type FeedPosition } from '../store/feedCursor';
import { readChanges, readRecordsInChangeOrder, type RecordChangeEntry } from '../store/recordChanges';
import { findRecord } from '../store/syncRecords';

export interface PageQuery {
  cursor?: string;
  limit?: number;
}

export function sourceOf(raw: string): ChangeSource {
  const [kind, ...rest] = raw.split(':');
  const id = rest.join(':');
  if (kind === 'webhook' && id) return { kind: 'webhook', eventId: id };
  if (kind === 'reconcile' && id) return { kind: 'reconcile', runId: id };
  return { kind: 'other', raw };
}

const stateOf = (e: Omit<RecordChangeEntry, 'position' | 'connectionId'>): RecordState => ({
  type: e.objectType,
  id: e.objectId,
  version: e.version.toString(),
  deleted: e.deleted,
  data: e.deleted ? null : e.data,
  source: sourceOf(e.source),
  changedAt: e.changedAt.toISOString(),
});

function positionOf(cursor: string | undefined): FeedPosition {
  if (cursor === undefined || cursor === '') return FEED_START;
  const p = decodeCursor(cursor);
  if (!p) throw new InvalidCursorError('cursor is not one this API issued; start without one');
  return p;
}

function limitOf(limit: number | undefined): number {
  if (limit === undefined) return RECORDS_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new InvalidRecordsQueryError(`limit must be an integer from 1 to ${RECORDS_MAX_LIMIT}`);
  return Math.min(limit, RECORDS_MAX_LIMIT);
}

export class RecordsFeed {
  constructor(private readonly x: Executor) {}

  private async known(connectionId: string): Promise<void> {
    if (!(await findConnectionRow(this.x, connectionId)))
      throw new UnknownConnectionError(`no connection ${connectionId}`);
  }

  /** What changed after `cursor`, across the connection's types (or one `type`), oldest first. */
  async changes(connectionId: string, q: PageQuery & { type?: string }): Promise<ChangesPage> {
    const after = positionOf(q.cursor);
    const limit = limitOf(q.limit);
    await this.known(connectionId);
    const page = await readChanges(this.x, { connectionId, after, limit: limit + 1, objectType: q.type });
    const items = page.items.slice(0, limit);
    const changes: ChangeView[] = items.map((e) => ({ ...stateOf(e), cursor: encodeCursor(e.position) }));
    return { changes, nextCursor: encodeCursor(items.at(-1)?.position ?? after), hasMore: page.items.length > limit };
  }

  /** The connection's records of `type` in change order, tombstones included. */
  async records(connectionId: string, q: PageQuery & { type: string }): Promise<RecordsPage> {
    if (!q.type) throw new InvalidRecordsQueryError('type is required');
    const after = positionOf(q.cursor);
    const limit = limitOf(q.limit);
    await this.known(connectionId);
    const page = await readRecordsInChangeOrder(this.x, { connectionId, objectType: q.type, after, limit: limit + 1 });
    const items = page.items.slice(0, limit);
    return {
      records: items.map((r) => ({
        ...stateOf(r),
        cursor: encodeCursor(r.position),
        createdAt: r.createdAt.toISOString(),
      })),
      nextCursor: encodeCursor(items.at(-1)?.position ?? after),
      hasMore: page.items.length > limit,
    };
  }

  /** One record's current state (a tombstone too). */
  async record(connectionId: string, type: string, id: string): Promise<RecordAnswer> {
    await this.known(connectionId);
    const r = await findRecord(this.x, connectionId, type, id);
    if (!r) throw new RecordNotFoundError(`no record ${type}/${id} in connection ${connectionId}`);
    return {
      record: {
        ...stateOf({ ...r, data: r.data, changedAt: r.updatedAt }),
        createdAt: r.createdAt.toISOString(),
      },
    };
  }
}
