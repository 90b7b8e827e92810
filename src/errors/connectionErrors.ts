// Failures about connections and their settings.
import { EXIT_USAGE, meaning, SynclineError } from './meaning';

/** No such connection (webhook path: 404; a workflow whose connection is gone cannot be helped by a retry). */
export class UnknownConnectionError extends SynclineError {
  static override readonly meaning = meaning('UnknownConnectionError', {
    retryable: false,
    http: { status: 404, code: 'unknown_connection' },
  });
}

/** A connection's input or settings are invalid: refused when saved (CLI exit 2: the input file is wrong). */
export class InvalidConnectionError extends SynclineError {
  static override readonly meaning = meaning('InvalidConnectionError', { retryable: false, exitCode: EXIT_USAGE });
}

export class UnknownConnectorError extends SynclineError {
  static override readonly meaning = meaning('UnknownConnectorError', { exitCode: EXIT_USAGE });
}

/** `settings.reconcile` does not parse. */
export class InvalidReconcileSettingsError extends SynclineError {
  static override readonly meaning = meaning('InvalidReconcileSettingsError', {
    retryable: false,
    http: { status: 400, code: 'invalid_reconcile_settings', expose: true },
  });
}
