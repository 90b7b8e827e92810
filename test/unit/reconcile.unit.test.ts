// Pure parts of reconciliation: the REST connector's two pagination styles,
// schedule jitter, and settings defaults.
import { describe, expect, it } from 'vitest';
import { changesSettingsSchema, createRestLister } from '../../src/connectors/restChanges';
import { jitterOffsetMs } from '../../src/reconcile/schedules';
import {
  DEFAULT_INTERVAL_MS,
  DEFAULT_POLLING_ONLY_INTERVAL_MS,
  parseReconcileSettings,
} from '../../src/connections/reconcileSettings';

const conn = {
  id: 'c',
  connector: 'rest',
  enabled: true,
  apiBaseUrl: 'http://partner.test',
  signingSecrets: [],
  credentials: {},
  settings: {},
};

/** A partner whose answers are scripted per request; records each URL asked for. */
function scripted(answers: unknown[]) {
  const urls: URL[] = [];
  const http = (async (url: string) => {
    urls.push(new URL(url));
    return new Response(JSON.stringify(answers.shift()), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  return { http, urls };
}

const item = (id: string, version: number, updatedAt: string) => ({
  type: 't',
  id,
  version,
  deleted: false,
  updatedAt,
  data: { id },
});

describe('REST change listing', () => {
  it('hands back the partner next-page token as the cursor, and keeps the old one on an empty last page', async () => {
    const { http, urls } = scripted([
      { data: [item('a', 1, 'x')], next_cursor: 'tok2', has_more: true },
      { data: [], next_cursor: null, has_more: false },
    ]);
    const lister = createRestLister(conn, changesSettingsSchema.parse({ style: 'cursor' }), {}, http, 1000);
    const first = await lister.listChanges(null, 10);
    expect(first).toMatchObject({
      nextCursor: 'tok2',
      hasMore: true,
      items: [{ objectType: 't', objectId: 'a', state: { found: true, version: 1 } }],
    });
    expect(urls[0]!.searchParams.has('cursor')).toBe(false);
    const second = await lister.listChanges('tok2', 10);
    expect(urls[1]!.searchParams.get('cursor')).toBe('tok2');
    expect(second).toMatchObject({ nextCursor: 'tok2', hasMore: false, items: [] });
  });

  it('moves updated-since forward to the last item and counts pages only within one timestamp', async () => {
    const t1 = '2026-01-01T00:00:01.000Z';
    const t2 = '2026-01-01T00:00:02.000Z';
    const { http, urls } = scripted([
      { data: [item('a', 1, t1), item('b', 2, t2)], has_more: true },
      { data: [item('b', 2, t2), item('c', 3, t2)], has_more: true },
      { data: [item('d', 4, t2)], has_more: false },
    ]);
    const lister = createRestLister(
      conn,
      changesSettingsSchema.parse({ style: 'updatedSince', urlTemplate: '{baseUrl}/api/objects' }),
      {},
      http,
      1000,
    );
    const p1 = await lister.listChanges(null, 2);
    expect(JSON.parse(p1.nextCursor!)).toEqual({ since: t2, page: 1 });
    const p2 = await lister.listChanges(p1.nextCursor, 2);
    expect(urls[1]!.searchParams.get('updated_since')).toBe(t2);
    expect(JSON.parse(p2.nextCursor!)).toEqual({ since: t2, page: 2 });
    const p3 = await lister.listChanges(p2.nextCursor, 2);
    expect(urls[2]!.searchParams.get('page')).toBe('2');
    expect(p3.hasMore).toBe(false);
    expect(JSON.parse(p3.nextCursor!)).toEqual({ since: t2, page: 1 });
  });

  it('reads a deleted item as a tombstone with its version', async () => {
    const { http } = scripted([
      {
        data: [{ type: 't', id: 'gone', version: 9, deleted: true, updatedAt: 'x' }],
        next_cursor: 'n',
        has_more: false,
      },
    ]);
    const lister = createRestLister(conn, changesSettingsSchema.parse({ style: 'cursor' }), {}, http, 1000);
    expect((await lister.listChanges(null, 5)).items[0]!.state).toEqual({ found: false, version: 9 });
  });

  it('pages the id listing by page number when configured so', async () => {
    const { http, urls } = scripted([{ data: [{ type: 't', id: 'a' }], has_more: true }]);
    const lister = createRestLister(
      conn,
      changesSettingsSchema.parse({ style: 'cursor', ids: { style: 'page' } }),
      {},
      http,
      1000,
    );
    const page = await lister.listIds!('3', 1);
    expect(urls[0]!.searchParams.get('page')).toBe('3');
    expect(page).toEqual({ items: [{ objectType: 't', objectId: 'a' }], nextCursor: '4', hasMore: true });
  });
});

describe('schedule jitter', () => {
  it('gives each connection a stable offset inside the interval', () => {
    expect(jitterOffsetMs('acme', 60_000)).toBe(jitterOffsetMs('acme', 60_000));
    expect(jitterOffsetMs('acme', 60_000)).toBeLessThan(60_000);
    // Whole seconds, as the server starts runs (a spec's milliseconds would not be when the run starts).
    expect(jitterOffsetMs('acme', 6 * 3_600_000) % 1_000).toBe(0);
    expect(jitterOffsetMs('acme', 1_500)).toBeLessThan(1_500);
  });

  it('spreads thousands of connections evenly over the interval', () => {
    const buckets = new Array<number>(12).fill(0);
    for (let i = 0; i < 6_000; i++)
      buckets[Math.floor(jitterOffsetMs(`conn-${i}`, DEFAULT_INTERVAL_MS) / (DEFAULT_INTERVAL_MS / 12))]! += 1;
    // 500 expected per bucket; a clumped hash would leave some nearly empty.
    expect(Math.min(...buckets)).toBeGreaterThan(400);
    expect(Math.max(...buckets)).toBeLessThan(600);
  });
});

describe('reconcile settings', () => {
  it('polls polling-only connections more often by default and derives the checkpoint age limit', () => {
    expect(parseReconcileSettings({}, false)).toMatchObject({
      intervalMs: DEFAULT_INTERVAL_MS,
      checkpointMaxAgeMs: 3 * DEFAULT_INTERVAL_MS,
      pageSize: 500,
    });
    expect(parseReconcileSettings({}, true).intervalMs).toBe(DEFAULT_POLLING_ONLY_INTERVAL_MS);
    expect(parseReconcileSettings({ reconcile: { intervalMs: 2_000 } }, true).intervalMs).toBe(2_000);
  });

  it('rejects a catch-up window Temporal would refuse', () => {
    expect(() => parseReconcileSettings({ reconcile: { catchupWindowMs: 1_000 } }, false)).toThrow(/catchupWindowMs/);
  });
});
