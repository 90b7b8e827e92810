// Turns syncline's error classes into Temporal failures: those whose meaning
// says not retryable (src/errors) are non-retryable, a partner's Retry-After becomes the exact next retry delay,
// and otherwise the connection's retry schedule sets the delay.
import { ApplicationFailure } from '@temporalio/activity';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { PartnerPermanentError, PartnerTransientError } from '../errors/partnerErrors';

/**
 * `scheduleDelayMs` is the connection's declared delay before the next attempt;
 * a partner's Retry-After replaces it exactly.
 */
export function toTemporalFailure(err: unknown, scheduleDelayMs?: number): unknown {
  if (!(err instanceof Error)) return err;
  if (err instanceof PartnerPermanentError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      nonRetryable: true,
      details: [{ status: err.status }],
    });
  }
  if (NON_RETRYABLE_ERROR_TYPES.includes(err.name)) {
    return ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true });
  }
  const status = err instanceof PartnerTransientError ? err.status : null;
  if (err instanceof PartnerTransientError && err.retryAfterMs !== undefined) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      nextRetryDelay: Math.max(err.retryAfterMs, 1),
      details: [{ status, retryAfterMs: err.retryAfterMs }],
    });
  }
  if (scheduleDelayMs !== undefined) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      nextRetryDelay: Math.max(scheduleDelayMs, 1),
      details: [{ status }],
    });
  }
  return err;
}
