// The ops CLI's own failures. A bad command line or input file exits 2,
// everything else 1 (src/cli/exitCodes.ts).
import { EXIT_USAGE, meaning, SynclineError } from './meaning';

/** The command line itself is wrong: unknown option, missing argument, bad value. */
export class UsageError extends SynclineError {
  static override readonly meaning = meaning('UsageError', { exitCode: EXIT_USAGE });
  /** The usage line of the command that was being parsed, when known. */
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

export class UnknownCommandError extends SynclineError {
  static override readonly meaning = meaning('UnknownCommandError', { exitCode: EXIT_USAGE });
}

/** A file named on the command line is missing, is not JSON, or does not match its schema. */
export class InputError extends SynclineError {
  static override readonly meaning = meaning('InputError', { exitCode: EXIT_USAGE });
}

export class NotFoundError extends SynclineError {
  static override readonly meaning = meaning('NotFoundError');
}

/** The change would leave the system worse off (e.g. a connection with no signing secret), or its target refused it (an event that is not parked). */
export class RefusedError extends SynclineError {
  static override readonly meaning = meaning('RefusedError');
}

/** A service the command needs (Temporal) does not answer. */
export class UnavailableError extends SynclineError {
  static override readonly meaning = meaning('UnavailableError');
}
