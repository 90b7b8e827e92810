// The partners' retry models (dev/simulator/retryModels.ts) against the numbers their
// documentation publishes (cited in the module).
import { describe, expect, it } from 'vitest';
import { nextAttemptDelayMs, RETRY_MODELS, type RetryModel } from '../../dev/simulator/retryModels';

const HOUR = 3_600_000;

/** Every delay the partner waits after a run of failures, until it gives up. */
function schedule(model: RetryModel, retryAfterSec: number | null = null): number[] {
  const delays: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const d = nextAttemptDelayMs(model, attempt, retryAfterSec, 1);
    if (d === null) return delays;
    delays.push(d);
  }
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('partner retry models', () => {
  it('Stripe retries with exponential backoff for up to 3 days', () => {
    const delays = schedule(RETRY_MODELS.stripe);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBe(2 * delays[i - 1]!);
    expect(sum(delays)).toBeLessThanOrEqual(72 * HOUR);
    expect(sum(delays)).toBeGreaterThan(48 * HOUR);
  });

  it('Shopify retries 8 times over 4 hours', () => {
    const delays = schedule(RETRY_MODELS.shopify);
    expect(delays).toHaveLength(8);
    expect(sum(delays)).toBeCloseTo(4 * HOUR, -3);
  });

  it('GitHub never retries on its own', () => {
    expect(schedule(RETRY_MODELS.github)).toEqual([]);
  });

  it('Svix follows its published schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    expect(schedule(RETRY_MODELS.svix)).toEqual([5_000, 300_000, 1_800_000, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
  });

  it('only a partner that honours Retry-After waits longer for it, and none waits less than its schedule', () => {
    expect(nextAttemptDelayMs(RETRY_MODELS.svix, 1, 60, 1)).toBe(60_000);
    expect(nextAttemptDelayMs(RETRY_MODELS.svix, 2, 60, 1)).toBe(300_000);
    expect(nextAttemptDelayMs(RETRY_MODELS.stripe, 1, 600, 1)).toBe(60_000);
    expect(nextAttemptDelayMs(RETRY_MODELS.shopify, 1, 600, 1)).toBe(RETRY_MODELS.shopify.delayMs(2));
  });

  it('compresses every delay by the time scale', () => {
    expect(nextAttemptDelayMs(RETRY_MODELS.svix, 3, null, 1 / 1000)).toBe(1_800);
  });

  it('says for each partner what a 503 costs and where its schedule comes from', () => {
    for (const m of Object.values(RETRY_MODELS)) {
      expect(m.source).toMatch(/^https:\/\//);
      expect(m.costOf503.length).toBeGreaterThan(10);
    }
    expect(RETRY_MODELS.github.costOf503).toMatch(/^lost/);
  });
});
