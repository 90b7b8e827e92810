// What the workflows call activities through. `Activities` is the type of the
// worker's activities (a type only: workflows never import activity code).
// DATABASE_STEP_RETRY is the failure contract of every workflow's database
// steps, declared once: retried without limit (a PostgreSQL outage delays the
// work, never loses it), from 1 s doubling to 1 min, except a failure whose
// meaning says asking again cannot help (src/errors). Each workflow still
// states the timeout where it declares the proxy.
import type { Duration } from '@temporalio/common';
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';

export type Activities = ReturnType<typeof createActivities>;

export const DATABASE_STEP_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

/** Activities called as database steps: DATABASE_STEP_RETRY, each attempt bounded by `startToCloseTimeout`. */
export function databaseSteps(startToCloseTimeout: Duration) {
  return proxyActivities<Activities>({ startToCloseTimeout, retry: DATABASE_STEP_RETRY });
}
