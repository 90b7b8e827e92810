// How real partners retry a webhook delivery that was not answered 2xx (issue 20 §3),
// taken from each partner's own documentation (cited per model, read 2026-12-01).
// The simulator's sender and the chaos runner replay these schedules, compressed by
// a time scale (a 3-day schedule cannot play out in a 2-minute run): `delayMs`
// gives the real delay; the caller multiplies it by its scale. Where a partner
// does not publish its intervals, the model says so and states the approximation.
//
// What a 503 costs each partner's events (docs/operations.md repeats this):
// - stripe: a delay (the next attempt minutes to hours later); lost to webhooks only
//   after 3 days of failures, then healed by reconciliation.
// - shopify: a delay (about a minute, doubling); lost after 8 retries over 4 hours,
//   then healed by reconciliation. Eight failures in a row can also delete the
//   subscription: every later event is then lost until someone subscribes again.
// - github: a lost event: GitHub never retries on its own; only reconciliation (or
//   someone redelivering by hand) brings it back.
// - svix (Standard Webhooks): a delay of 5 s, then 5 min, 30 min...; lost after
//   the 8th attempt (about 27.5 h), then healed by reconciliation.

export type RetryModelName = 'stripe' | 'shopify' | 'github' | 'svix';

export interface RetryModel {
  name: RetryModelName;
  /** Where the schedule comes from. */
  source: string;
  /** Whether a Retry-After header on the answer moves the next attempt. */
  honoursRetryAfter: boolean;
  /** How long the partner waits for an answer before counting the attempt as failed. */
  timeoutMs: number;
  /** Attempts in all, the first one included (1 = never retried). */
  maxAttempts: number;
  /** Real delay before attempt `attempt` (2..maxAttempts) after attempt - 1 failed. */
  delayMs(attempt: number): number;
  /** What a 503 costs the event. */
  costOf503: string;
}

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

/** Delays that double from `firstMs`, for partners that publish a span but not the intervals. */
function doubling(firstMs: number): (attempt: number) => number {
  return (attempt) => firstMs * 2 ** (attempt - 2);
}

// Stripe, https://docs.stripe.com/webhooks#retries: "In live mode, Stripe attempts to deliver a
// given event to your webhook endpoint for up to 3 days with an exponential back off." Intervals and
// the timeout are not published; Retry-After is not mentioned. Approximation: doubling from 1 min,
// 13 attempts (the 13th comes 1 min x (2^12 - 1) = about 2.8 days after the first).
const stripe: RetryModel = {
  name: 'stripe',
  source: 'https://docs.stripe.com/webhooks#retries',
  honoursRetryAfter: false,
  timeoutMs: 10 * SEC,
  maxAttempts: 13,
  delayMs: doubling(MIN),
  costOf503: 'delayed (next attempt 1 min later, doubling); lost only after 3 days, then healed by reconciliation',
};

// Shopify, https://shopify.dev/changelog/updates-to-webhook-retry-mechanism (2024-09-10): "Webhooks
// will now be retried a total of 8 times over 4 hours using an exponential backoff schedule."
// https://shopify.dev/docs/apps/webhooks/configuration/https (HTTPS delivery): 1 s to accept the
// connection, 5 s to answer; after 8 consecutive failures a subscription made through the Admin API is
// deleted. Intervals and Retry-After are not published: doubling with 8 delays summing to 4 h gives a
// first delay of 4 h / 255 (about 56 s).
const shopify: RetryModel = {
  name: 'shopify',
  source: 'https://shopify.dev/changelog/updates-to-webhook-retry-mechanism',
  honoursRetryAfter: false,
  timeoutMs: 5 * SEC,
  maxAttempts: 9,
  delayMs: doubling((4 * HOUR) / 255),
  costOf503:
    'delayed (about 1 min, doubling); lost after 8 retries over 4 h, then healed by reconciliation; the subscription itself may be deleted',
};

// GitHub, https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries:
// "GitHub does not automatically redeliver failed deliveries", and a delivery that takes longer
// than 10 seconds to answer is recorded as failed.
const github: RetryModel = {
  name: 'github',
  source: 'https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries',
  honoursRetryAfter: false,
  timeoutMs: 10 * SEC,
  maxAttempts: 1,
  delayMs: () => 0,
  costOf503: 'lost: never retried; healed only by reconciliation or a manual redelivery',
};

// Svix, https://docs.svix.com/retries: attempts immediately, then after 5 s, 5 min, 30 min, 2 h,
// 5 h, 10 h and 10 h. The Standard Webhooks spec (github.com/standard-webhooks/standard-webhooks,
// spec/standard-webhooks.md, "Delivery success and failure") says a Retry-After "should be taken into
// consideration when scheduling the next attempt" and recommends a 15-30 s request timeout.
const SVIX_DELAYS_MS = [5 * SEC, 5 * MIN, 30 * MIN, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
const svix: RetryModel = {
  name: 'svix',
  source: 'https://docs.svix.com/retries',
  honoursRetryAfter: true,
  timeoutMs: 15 * SEC,
  maxAttempts: SVIX_DELAYS_MS.length + 1,
  delayMs: (attempt) => SVIX_DELAYS_MS[attempt - 2] ?? 0,
  costOf503:
    'delayed (5 s, then 5 min, 30 min, ...); lost after 8 attempts (about 27.5 h), then healed by reconciliation',
};

export const RETRY_MODELS: Readonly<Record<RetryModelName, RetryModel>> = { stripe, shopify, github, svix };

export function isRetryModelName(name: string): name is RetryModelName {
  return Object.hasOwn(RETRY_MODELS, name);
}

/**
 * The wait before the next attempt, compressed by `timeScale` (1 = real time), or null when the
 * partner gives up. A Retry-After is used only by a model that honours it, and never shortens the
 * schedule below the answer's own request.
 */
export function nextAttemptDelayMs(
  model: RetryModel,
  failedAttempt: number,
  retryAfterSec: number | null,
  timeScale: number,
): number | null {
  const next = failedAttempt + 1;
  if (next > model.maxAttempts) return null;
  const scheduled = model.delayMs(next);
  const wanted =
    model.honoursRetryAfter && retryAfterSec !== null ? Math.max(scheduled, retryAfterSec * SEC) : scheduled;
  return wanted * timeScale;
}
