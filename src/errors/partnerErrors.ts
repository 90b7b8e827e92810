// How a partner API call failed. The split decides retrying: a permanent
// failure skips the retry schedule, a transient one follows it (a Retry-After
// replaces the scheduled delay exactly).
import { meaning, SynclineError } from './meaning';

/** 4xx other than 408/429: asking again will not help. */
export class PartnerPermanentError extends SynclineError {
  static override readonly meaning = meaning('PartnerPermanentError', { retryable: false });
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 5xx, 408, 429, timeouts and network errors. `retryAfterMs` is the partner's own Retry-After. */
export class PartnerTransientError extends SynclineError {
  static override readonly meaning = meaning('PartnerTransientError');
  constructor(
    readonly status: number | null,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The partner answered with an object older than the event announced: read lag, try again. */
export class StalePartnerReadError extends SynclineError {
  static override readonly meaning = meaning('StalePartnerReadError');
}
