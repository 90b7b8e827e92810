// The CLI's failure classes and the one map from a failure to an exit code:
// 0 success, 1 an operational failure (database down, row not found, a refused
// change), 2 a bad command line or a bad input file. Anything not named here is
// operational.

/** The command line itself is wrong: unknown option, missing argument, bad value. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The usage line of the command that was being parsed, when known. */
  constructor(message: string, readonly usage?: string) {
    super(message);
  }
}

export class UnknownCommandError extends Error {
  override readonly name = 'UnknownCommandError';
}

/** A file named on the command line is missing, is not JSON, or does not match its schema. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The change would leave the system worse off (e.g. a connection with no signing secret), or its target refused it (an event that is not parked). */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

/** A service the command needs (Temporal) does not answer. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}

const EXIT_CODES: Readonly<Record<string, number>> = {
  UsageError: 2,
  UnknownCommandError: 2,
  InputError: 2,
  InvalidConnectionError: 2,
  UnknownConnectorError: 2,
};

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function exitCodeOf(err: unknown): number {
  return (err instanceof Error && EXIT_CODES[err.name]) || EXIT_FAILURE;
}
