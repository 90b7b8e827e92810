// Failures of syncline's own database, as the callers that must answer for them see them.
import { meaning, SynclineError } from './meaning';

/** The receiver could not store a large delivery's body: transient, the partner keeps the event and retries (503). */
export class StoreUnavailableError extends SynclineError {
  static override readonly meaning = meaning('StoreUnavailableError', {
    http: { status: 503, code: 'database_unavailable', retryAfter: true },
  });
}

/** A connection could not be read: transient, the caller answers 503 and the partner retries. */
export class ConnectionStoreUnavailableError extends SynclineError {
  static override readonly meaning = meaning('ConnectionStoreUnavailableError', {
    http: { status: 503, code: 'database_unavailable', retryAfter: true },
  });
}

/**
 * A status change of a webhook_events row that src/store/eventTransitions.ts
 * does not allow. A bug, not a passing fault: retrying cannot change the row.
 */
export class EventTransitionRefusedError extends SynclineError {
  static override readonly meaning = meaning('EventTransitionRefusedError', { retryable: false });
}

/**
 * A status change of a reconcile_runs row that src/store/runTransitions.ts
 * does not allow. A bug, not a passing fault: retrying cannot change the row.
 */
export class RunTransitionRefusedError extends SynclineError {
  static override readonly meaning = meaning('RunTransitionRefusedError', { retryable: false });
}
