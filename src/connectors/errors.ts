// Partner-facing failures. The names feed Temporal retry policies
// (nonRetryableErrorTypes) and the receiver's error-to-status map.

export class MalformedDeliveryError extends Error {
  override readonly name = 'MalformedDeliveryError';
}

/** 4xx other than 408/429: asking again will not help. */
export class PartnerPermanentError extends Error {
  override readonly name = 'PartnerPermanentError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** 5xx, 408, 429, timeouts and network errors. `retryAfterMs` is the partner's own Retry-After. */
export class PartnerTransientError extends Error {
  override readonly name = 'PartnerTransientError';
  constructor(readonly status: number | null, message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** The partner answered with an object older than the event announced: read lag, try again. */
export class StalePartnerReadError extends Error {
  override readonly name = 'StalePartnerReadError';
}

export const NON_RETRYABLE_ERROR_TYPES = ['PartnerPermanentError', 'MalformedDeliveryError', 'UnknownConnectionError'];

/** Retry-After is either delta-seconds or an HTTP date. Returns undefined for junk or past dates. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
