// The per-connection webhook rate limit: a token bucket per connection.
import { describe, expect, it } from 'vitest';
import { ConnectionRateLimiter } from '../../src/ingest/rateLimit';

describe('connection rate limiter', () => {
  it('lets a burst through, then asks to wait, and refills at the rate', () => {
    let now = 0;
    const limiter = new ConnectionRateLimiter({ ratePerSec: 2, burst: 3 }, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([0, 0, 0, 1]);
    expect(limiter.take('b')).toBe(0);
    now = 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
  });

  it('is off at rate 0', () => {
    const limiter = new ConnectionRateLimiter({ ratePerSec: 0, burst: 0 });
    expect(Array.from({ length: 100 }, () => limiter.take('a')).every((w) => w === 0)).toBe(true);
  });
});
