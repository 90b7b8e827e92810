// Reading a connection's records and following its change feed. Contract
// (docs/change-feed.md): keep the cursor of the last change you handled and
// pass it back; you then see every committed change exactly once, each
// record's changes in commit order. Cursors are opaque strings: store them,
// never build or compare them.
import type { ChangesPage, ChangeView, RecordAnswer, RecordsPage } from '../contracts/recordsApi';
import { type ClientOptions, getJson, seg, SynclineApiError } from './http';

export interface PageOptions {
  /** Continue after this cursor; omit to start at the beginning of the feed. */
  cursor?: string;
  /** Page size (the server caps it at 1000; default 100). */
  limit?: number;
}

export class SynclineClient {
  constructor(private readonly opts: ClientOptions) {}

  /** One page of what changed after `cursor`, across the connection's types (or one `type`). */
  changes(connectionId: string, o: PageOptions & { type?: string } = {}): Promise<ChangesPage> {
    return getJson(this.opts, `v1/connections/${seg(connectionId)}/changes`, { ...o });
  }

  /**
   * Every change after `cursor` that is readable now, page by page; ends when caught up. Persist
   * `change.cursor` after handling each change (or the page's last) and start from it next time.
   */
  async *changesSince(connectionId: string, o: PageOptions & { type?: string } = {}): AsyncGenerator<ChangeView> {
    let cursor = o.cursor;
    for (;;) {
      const page = await this.changes(connectionId, { ...o, cursor });
      yield* page.changes;
      cursor = page.nextCursor;
      if (!page.hasMore) return;
    }
  }

  /** One page of the connection's records of `type` in change order (tombstones included). */
  records(connectionId: string, type: string, o: PageOptions = {}): Promise<RecordsPage> {
    return getJson(this.opts, `v1/connections/${seg(connectionId)}/records`, { ...o, type });
  }

  /** One record's current state (a tombstone has deleted: true), or null when syncline has never seen it. */
  async record(connectionId: string, type: string, id: string): Promise<RecordAnswer['record'] | null> {
    try {
      const answer = await getJson<RecordAnswer>(
        this.opts,
        `v1/connections/${seg(connectionId)}/records/${seg(type)}/${seg(id)}`,
      );
      return answer.record;
    } catch (err) {
      if (err instanceof SynclineApiError && err.code === 'record_not_found') return null;
      throw err;
    }
  }
}
