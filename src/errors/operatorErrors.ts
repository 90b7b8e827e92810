// What operators (ops CLI, admin API) are told when an action cannot happen.
// Admin-only answers carry their message (the caller is authenticated).
import { meaning, SynclineError } from './meaning';

export class EventNotFoundError extends SynclineError {
  static override readonly meaning = meaning('EventNotFoundError', {
    http: { status: 404, code: 'event_not_found', expose: true },
  });
}

/** The workflow refused the action (the event is not parked, "by" or a skip's reason is missing). */
export class OperatorActionRejectedError extends SynclineError {
  static override readonly meaning = meaning('OperatorActionRejectedError', {
    http: { status: 409, code: 'action_rejected', expose: true },
  });
}

/** A bulk filter value the visibility query does not accept. */
export class InvalidFilterError extends SynclineError {
  static override readonly meaning = meaning('InvalidFilterError', {
    http: { status: 400, code: 'invalid_filter', expose: true },
  });
}

/** An admin API body or query string that does not parse. */
export class InvalidRequestError extends SynclineError {
  static override readonly meaning = meaning('InvalidRequestError', {
    http: { status: 400, code: 'invalid_request', expose: true },
  });
}

export class AdminUnauthorizedError extends SynclineError {
  static override readonly meaning = meaning('AdminUnauthorizedError', { http: { status: 401, code: 'unauthorized' } });
}

/** No ADMIN_TOKEN: the admin API does not exist. */
export class AdminDisabledError extends SynclineError {
  static override readonly meaning = meaning('AdminDisabledError', { http: { status: 404, code: 'not_found' } });
}

export class NoReconcileScheduleError extends SynclineError {
  static override readonly meaning = meaning('NoReconcileScheduleError', {
    http: { status: 404, code: 'no_reconcile_schedule', expose: true },
  });
}

export class NoBlockedRunError extends SynclineError {
  static override readonly meaning = meaning('NoBlockedRunError', {
    http: { status: 404, code: 'no_blocked_run', expose: true },
  });
}

/** Reconciliation is off for the connection, or its connector cannot list what the mode needs. */
export class ReconcileNotSupportedError extends SynclineError {
  static override readonly meaning = meaning('ReconcileNotSupportedError', { retryable: false });
}

/** An activity was called outside the workflow it belongs to. */
export class InvalidInvocationError extends SynclineError {
  static override readonly meaning = meaning('InvalidInvocationError', { retryable: false });
}
