// Why the receiver refuses a delivery. Each becomes the HTTP answer its
// meaning says; a 503 tells the partner to retry (nothing was taken).
import { meaning, SynclineError } from './meaning';

/** Codes a sender may be shown (no secret material). */
export type SignatureErrorCode =
  | 'missing_signature'
  | 'malformed_signature'
  | 'missing_timestamp'
  | 'stale_timestamp'
  | 'invalid_signature'
  | 'no_secret_configured';

/** Every verification failure, whatever the scheme (standard-webhooks style: one class, a code saying which check). */
export class SignatureError extends SynclineError {
  static override readonly meaning = meaning('SignatureError', { http: { status: 401, code: 'invalid_signature' } });
  constructor(readonly code: SignatureErrorCode) {
    super(`webhook signature rejected: ${code}`);
  }

  override httpCode(): string {
    return this.code;
  }
}

/** The body is not the JSON the connection's settings describe, or a partner object lacks its version or data. Asking again cannot help. */
export class MalformedDeliveryError extends SynclineError {
  static override readonly meaning = meaning('MalformedDeliveryError', {
    retryable: false,
    http: { status: 400, code: 'malformed_body' },
  });
}

/**
 * The event's payload may not be written as the object's state: the connection
 * no longer trusts payloads, or the workflow input carrying it was not sealed
 * by the receiver. The workflow fetches the object from the partner instead.
 */
export class PayloadNotTrustedError extends SynclineError {
  static override readonly meaning = meaning('PayloadNotTrustedError', { retryable: false });
}

export class UnsupportedMediaTypeError extends SynclineError {
  static override readonly meaning = meaning('UnsupportedMediaTypeError', {
    http: { status: 415, code: 'unsupported_media_type' },
  });
}

/** The connection is polling-only: its webhook endpoint does not exist. */
export class WebhooksNotSupportedError extends SynclineError {
  static override readonly meaning = meaning('WebhooksNotSupportedError', {
    http: { status: 404, code: 'webhooks_not_supported' },
  });
}

export class ConnectionDisabledError extends SynclineError {
  static override readonly meaning = meaning('ConnectionDisabledError', {
    http: { status: 404, code: 'connection_disabled' },
  });
}

export class PayloadTooLargeError extends SynclineError {
  static override readonly meaning = meaning('PayloadTooLargeError', {
    http: { status: 413, code: 'payload_too_large' },
  });
}

/**
 * Temporal refused the start as invalid (InvalidArgument: a value over one of its limits that the
 * receiver's bounds did not catch). Asking again cannot help, so the partner is told so (422)
 * instead of being answered 503 until it disables the endpoint.
 */
export class EventRefusedError extends SynclineError {
  static override readonly meaning = meaning('EventRefusedError', {
    http: { status: 422, code: 'event_refused' },
  });
}

/** The connection sent more than WEBHOOK_RATE_LIMIT_PER_SEC deliveries a second to this process: retry later. */
export class RateLimitedError extends SynclineError {
  static override readonly meaning = meaning('RateLimitedError', {
    http: { status: 429, code: 'rate_limited' },
  });
  constructor(readonly retryAfterSec: number) {
    super(`over the connection's webhook rate limit; retry in ${retryAfterSec} s`);
  }
}

/** Temporal did not take the event in time: the partner keeps it and retries. */
export class TemporalUnavailableError extends SynclineError {
  static override readonly meaning = meaning('TemporalUnavailableError', {
    http: { status: 503, code: 'temporal_unavailable', retryAfter: true },
  });
}

/**
 * The delivery is signed correctly but belongs to another account than the connection's (another GitHub
 * App installation, another Shopify shop): refused so that one connection never syncs a second account's data.
 * The code says which identity did not match; the message (logged, not sent) says both values.
 */
export class ForeignDeliveryError extends SynclineError {
  static override readonly meaning = meaning('ForeignDeliveryError', {
    http: { status: 403, code: 'foreign_delivery' },
  });
  constructor(
    readonly code: 'wrong_installation' | 'wrong_repository' | 'wrong_shop_domain',
    message: string,
  ) {
    super(message);
  }

  override httpCode(): string {
    return this.code;
  }
}

/**
 * Shed by admission control (OVERLOAD_MODE=shed): more starts are in flight than Temporal sustains now,
 * so this delivery is refused before any Temporal call. Retry-After says when the current drain rate
 * will have worked through what was turned away.
 */
export class OverloadedError extends SynclineError {
  static override readonly meaning = meaning('OverloadedError', {
    http: { status: 503, code: 'overloaded' },
  });
  constructor(readonly retryAfterSec: number) {
    super(`over the admission limit; retry in ${retryAfterSec} s`);
  }
}
