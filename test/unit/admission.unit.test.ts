// The adaptive admission limiter (src/ingest/admission.ts), on a fake clock.
import { describe, expect, it } from 'vitest';
import {
  AdmissionLimiter,
  BACKOFF_RATIO,
  BASELINE_WINDOW_MS,
  DRAIN_WINDOW_MS,
  isRefusal,
  type AdmissionOptions,
  type Permit,
} from '../../src/ingest/admission';

function limiter(opts: Partial<AdmissionOptions> = {}) {
  const clock = { now: 1_000_000 };
  const l = new AdmissionLimiter(
    { initialLimit: 10, minLimit: 2, maxLimit: 100, ackDeadlineMs: 4_000, ...opts },
    () => clock.now,
  );
  return { l, clock };
}

function take(l: AdmissionLimiter): Permit {
  const p = l.tryAcquire();
  if (isRefusal(p)) throw new Error(`refused: ${p.refused}`);
  return p;
}

/** `n` starts taken together, each finishing `latencyMs` later. */
function round(l: AdmissionLimiter, clock: { now: number }, n: number, latencyMs: number) {
  const permits = Array.from({ length: n }, () => take(l));
  clock.now += latencyMs;
  for (const p of permits) l.release(p, 'ok');
}

describe('admission limiter', () => {
  it('refuses a start once the limit is in flight, and admits again when one finishes', () => {
    const { l } = limiter({ initialLimit: 3 });
    const permits = [take(l), take(l), take(l)];
    expect(l.tryAcquire()).toEqual({ refused: 'limit' });
    expect(l.inFlight).toBe(3);
    l.release(permits[0]!, 'neutral');
    expect(isRefusal(l.tryAcquire())).toBe(false);
  });

  it('grows the limit by about one per round trip while starts stay fast and the limit is used', () => {
    const { l, clock } = limiter({ initialLimit: 10 });
    for (let i = 0; i < 5; i++) round(l, clock, l.limit, 20);
    expect(l.limit).toBeGreaterThanOrEqual(14);
    expect(l.limit).toBeLessThanOrEqual(15);
  });

  it('does not grow a limit that is not used', () => {
    const { l, clock } = limiter({ initialLimit: 10 });
    for (let i = 0; i < 50; i++) round(l, clock, 1, 20);
    expect(l.limit).toBe(10);
  });

  it('cuts the limit once per round trip when starts turn slow against the baseline', () => {
    const { l, clock } = limiter({ initialLimit: 50 });
    round(l, clock, 20, 20); // baseline 20 ms
    const before = l.limit;
    // A whole round of slow starts taken together: one decrease, not twenty.
    round(l, clock, 20, 1_000);
    expect(l.limit).toBe(Math.floor(before * BACKOFF_RATIO));
    round(l, clock, 20, 1_000);
    expect(l.limit).toBe(Math.floor(before * BACKOFF_RATIO * BACKOFF_RATIO));
  });

  it('treats jitter under the slack as no congestion', () => {
    const { l, clock } = limiter({ initialLimit: 10 });
    round(l, clock, 10, 5);
    round(l, clock, 10, 60); // 12x a 5 ms baseline, but only 55 ms over it
    expect(l.limit).toBeGreaterThanOrEqual(10);
  });

  it('falls to the minimum under dropped starts and never below it', () => {
    const { l, clock } = limiter({ initialLimit: 40 });
    for (let i = 0; i < 100; i++) {
      const p = take(l);
      clock.now += 4_000;
      l.release(p, 'dropped');
    }
    expect(l.limit).toBe(2);
  });

  it('refuses a start expected to outlast the ack deadline, but always lets one probe through', () => {
    const { l, clock } = limiter({ initialLimit: 10, ackDeadlineMs: 1_000 });
    for (let i = 0; i < 5; i++) {
      const p = take(l);
      clock.now += 3_000;
      l.release(p, 'ok');
    }
    expect(l.expectedLatencyMs).toBeGreaterThan(1_000);
    const probe = take(l); // nothing in flight: the probe goes
    expect(l.tryAcquire()).toEqual({ refused: 'deadline' });
    clock.now += 10;
    l.release(probe, 'ok');
  });

  it('lets the inbox relay start past the deadline refusal, bounded by the limit alone', () => {
    const { l, clock } = limiter({ initialLimit: 3, ackDeadlineMs: 1_000 });
    for (let i = 0; i < 5; i++) {
      const p = take(l);
      clock.now += 3_000;
      l.release(p, 'ok');
    }
    const probe = take(l);
    expect(l.tryAcquire()).toEqual({ refused: 'deadline' });
    const relayed = [l.tryAcquire('relay'), l.tryAcquire('relay')];
    expect(relayed.some(isRefusal)).toBe(false);
    expect(l.tryAcquire('relay')).toEqual({ refused: 'limit' });
    // Retry-After counts refused deliveries only: the relay's refusal is not one.
    expect(l.retryAfterSec(60)).toBe(1);
    for (const p of [probe, ...(relayed as Permit[])]) l.release(p, 'neutral');
  });

  it('adopts a lasting slowdown as its baseline within the window, so the limit grows again', () => {
    const { l, clock } = limiter({ initialLimit: 10, ackDeadlineMs: 10_000 });
    round(l, clock, 10, 20); // baseline 20 ms
    // The machine turns slow for good: every start takes 1 s. At first that reads as congestion.
    for (let i = 0; i < 10; i++) round(l, clock, l.limit, 1_000);
    const cut = l.limit;
    expect(cut).toBeLessThan(10);
    // Once the fast start has left the window, 1 s is the baseline and full rounds grow the limit.
    clock.now += BASELINE_WINDOW_MS;
    for (let i = 0; i < 10; i++) round(l, clock, l.limit, 1_000);
    expect(l.limit).toBeGreaterThan(cut + 3);
  });

  it('recovers from an outage: once starts are fast again the limit climbs back', () => {
    const { l, clock } = limiter({ initialLimit: 20 });
    for (let i = 0; i < 30; i++) {
      const p = take(l);
      clock.now += 4_000;
      l.release(p, 'dropped');
    }
    expect(l.limit).toBe(2);
    // Each round sends what the limiter admits: one probe while starts are expected to be slow, then more.
    for (let i = 0; i < 200; i++) {
      const permits: Permit[] = [];
      for (let p = l.tryAcquire(); !isRefusal(p); p = l.tryAcquire()) permits.push(p);
      clock.now += 20;
      for (const p of permits) l.release(p, 'ok');
    }
    expect(l.expectedLatencyMs).toBeLessThan(100);
    expect(l.limit).toBeGreaterThanOrEqual(15);
  });

  it('measures the drain rate over its window and derives Retry-After from it', () => {
    const { l, clock } = limiter({ initialLimit: 10 });
    // 10 starts per 100 ms for a whole window: 100 a second.
    for (let t = 0; t < DRAIN_WINDOW_MS; t += 100) round(l, clock, 10, 100);
    expect(l.drainRatePerSec()).toBeGreaterThan(90);
    expect(l.drainRatePerSec()).toBeLessThanOrEqual(100);
    const held = Array.from({ length: l.limit }, () => take(l));
    for (let i = 0; i < 1_000; i++) l.tryAcquire(); // 1,000 refused in the window
    expect(l.retryAfterSec(60)).toBe(Math.ceil(1_000 / l.drainRatePerSec()));
    expect(l.retryAfterSec(5)).toBe(5);
    for (const p of held) l.release(p, 'neutral');
    clock.now += 2 * DRAIN_WINDOW_MS;
    expect(l.drainRatePerSec()).toBe(0);
    expect(l.retryAfterSec(60)).toBe(1);
  });

  it('releases a neutral outcome without touching the limit or the drain rate', () => {
    const { l } = limiter({ initialLimit: 10 });
    l.release(take(l), 'neutral');
    expect(l.limit).toBe(10);
    expect(l.drainRatePerSec()).toBe(0);
  });
});
