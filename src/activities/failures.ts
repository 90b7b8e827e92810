// Turns syncline's error classes into Temporal failures: permanent ones are
// non-retryable, a partner's Retry-After becomes the exact next retry delay.
import { ApplicationFailure } from '@temporalio/activity';
import { PartnerPermanentError, PartnerTransientError } from '../connectors/errors';

export function toTemporalFailure(err: unknown): unknown {
  if (err instanceof PartnerPermanentError) {
    return ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, details: [{ status: err.status }] });
  }
  if (err instanceof PartnerTransientError && err.retryAfterMs !== undefined) {
    return ApplicationFailure.create({ message: err.message, type: err.name, nextRetryDelay: Math.max(err.retryAfterMs, 1), details: [{ status: err.status }] });
  }
  if (err instanceof Error && ['MalformedDeliveryError', 'UnknownConnectionError', 'InvalidConnectionError'].includes(err.name)) {
    return ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true });
  }
  return err;
}
