// The replay guard's window, per-connection keys and bound, on a test clock.
import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../src/ingest/replayGuard';

describe('ReplayGuard', () => {
  const body = Buffer.from('{"action":"opened"}');

  it('flags the same body under another id within the window, not the same id, not another connection', () => {
    let now = 0;
    const g = new ReplayGuard({ windowMs: 1_000 }, () => now);
    expect(g.check('a', body, 'd1')).toEqual({ replay: false });
    expect(g.check('a', body, 'd1')).toEqual({ replay: false });
    expect(g.check('a', body, 'd2')).toEqual({ replay: true, firstEventId: 'd1' });
    expect(g.check('b', body, 'd2')).toEqual({ replay: false });
    now = 1_000;
    expect(g.check('a', body, 'd3')).toEqual({ replay: false });
  });

  it('is off with a window of 0, and forgets the oldest body beyond its bound', () => {
    expect(new ReplayGuard({ windowMs: 0 }).check('a', body, 'x')).toEqual({ replay: false });
    const g = new ReplayGuard({ windowMs: 60_000, maxEntries: 2 }, () => 0);
    g.check('a', Buffer.from('1'), 'e1');
    g.check('a', Buffer.from('2'), 'e2');
    g.check('a', Buffer.from('3'), 'e3');
    expect(g.check('a', Buffer.from('1'), 'z').replay).toBe(false);
    expect(g.check('a', Buffer.from('3'), 'z').replay).toBe(true);
  });
});
