// Start-up's waiting rule: which failures are worth waiting out, how the
// attempts are spaced, and that the wait ends at STARTUP_WAIT_MS.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { isUnavailable, startWhenReachable } from '../../src/system/startup';

const log = pino({ level: 'silent' });
const err = (fields: Record<string, unknown>, cause?: unknown) =>
  Object.assign(new Error(String(fields.message ?? 'x')), fields, cause ? { cause } : {});

describe('isUnavailable', () => {
  it('waits out a dependency that is down, restarting or unreachable', () => {
    expect(isUnavailable(err({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }))).toBe(true);
    expect(isUnavailable(err({ code: '57P03', message: 'the database system is starting up' }))).toBe(true);
    expect(isUnavailable(err({ code: '08006', message: 'connection failure' }))).toBe(true);
    expect(isUnavailable(err({ code: 14, message: '14 UNAVAILABLE: No connection established' }))).toBe(true);
    expect(
      isUnavailable(
        err({
          name: 'TransportError',
          message: 'tonic::transport::Error(Transport, ConnectError("tcp connect error"))',
        }),
      ),
    ).toBe(true);
    expect(isUnavailable(err({ message: 'Failed to connect before the deadline' }))).toBe(true);
    expect(
      isUnavailable(err({ message: 'migration failed' }, err({ code: 'ECONNRESET', message: 'read ECONNRESET' }))),
    ).toBe(true);
  });

  it('does not wait out what waiting cannot mend', () => {
    expect(isUnavailable(err({ code: '28000', message: 'role "x" does not exist' }))).toBe(false);
    expect(isUnavailable(err({ code: '28P01', message: 'password authentication failed' }))).toBe(false);
    expect(isUnavailable(err({ code: 'EADDRINUSE', message: 'listen EADDRINUSE' }))).toBe(false);
    expect(isUnavailable(err({ message: 'ENCRYPTION_KEY must be 32 bytes' }))).toBe(false);
    expect(isUnavailable(undefined)).toBe(false);
  });
});

describe('startWhenReachable', () => {
  function clock() {
    let t = 0;
    const slept: number[] = [];
    return {
      now: () => t,
      sleep: async (ms: number) => {
        slept.push(ms);
        t += ms;
      },
      slept,
    };
  }

  it('backs off from 250 ms, doubling to 5 s, until the attempt succeeds', async () => {
    const c = clock();
    let calls = 0;
    const got = await startWhenReachable(
      log,
      'x',
      async () => {
        if (++calls < 8) throw err({ code: 'ECONNREFUSED' });
        return 'up';
      },
      { waitMs: 60_000, now: c.now, sleep: c.sleep },
    );
    expect(got).toBe('up');
    expect(c.slept).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('throws the last failure once waitMs has passed, and at once for a failure it does not wait out', async () => {
    const c = clock();
    let calls = 0;
    const down = err({ code: 'ECONNREFUSED', message: 'still down' });
    await expect(
      startWhenReachable(
        log,
        'x',
        async () => {
          calls++;
          throw down;
        },
        { waitMs: 2_000, now: c.now, sleep: c.sleep },
      ),
    ).rejects.toBe(down);
    expect(c.slept).toEqual([250, 500, 1_000, 250]);
    expect(calls).toBe(5);

    const wrong = err({ code: '28P01', message: 'password authentication failed' });
    calls = 0;
    await expect(
      startWhenReachable(
        log,
        'x',
        async () => {
          calls++;
          throw wrong;
        },
        { waitMs: 60_000, now: c.now, sleep: c.sleep },
      ),
    ).rejects.toBe(wrong);
    expect(calls).toBe(1);
  });

  it('makes one attempt when waitMs is 0', async () => {
    const c = clock();
    await expect(
      startWhenReachable(
        log,
        'x',
        async () => {
          throw err({ code: 'ECONNREFUSED' });
        },
        { waitMs: 0, now: c.now, sleep: c.sleep },
      ),
    ).rejects.toThrow();
    expect(c.slept).toEqual([]);
  });
});
