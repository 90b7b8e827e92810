// What an error means, declared once on its class: whether Temporal may retry
// the activity that threw it, the HTTP answer it gets, and the ops CLI's exit
// code. The surfaces derive their lists from the classes (src/errors/index.ts):
// the workflows' nonRetryableErrorTypes, src/api/errorAnswers.ts and
// src/cli/exitCodes.ts. Bundle-safe: no Node built-ins, no I/O libraries; the
// workflow bundle imports this folder.

/** The ops CLI's exit codes: 0 ok, 1 an operational failure, 2 a bad command line or input file. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface HttpAnswer {
  status: number;
  /** Short, stable code in the body ({ "error": code }); never a secret, signature or payload. */
  code: string;
  /** The message goes in the body too: admin-only errors (the caller is authenticated; webhook senders never see one). */
  expose?: boolean;
  /** A 503 the sender should retry: the answer carries Retry-After. */
  retryAfter?: boolean;
}

export interface ErrorMeaning {
  /** The error's type name: Temporal's ApplicationFailure type, the key of every derived list. Equals the class name. */
  type: string;
  /** False: asking again cannot help, so Temporal does not retry (nonRetryableErrorTypes) and the retry schedule is skipped. */
  retryable: boolean;
  /** The HTTP answer; absent: 500 internal_error. */
  http?: HttpAnswer;
  exitCode: typeof EXIT_FAILURE | typeof EXIT_USAGE;
}

/** A meaning with the defaults filled in: retryable, no HTTP answer of its own (500), exit code 1. */
export function meaning(type: string, given: Partial<Omit<ErrorMeaning, 'type'>> = {}): ErrorMeaning {
  return { type, retryable: true, exitCode: EXIT_FAILURE, ...given };
}

/**
 * syncline's named errors. Each subclass declares `static override readonly
 * meaning`; the instance's `name` is that meaning's type, so Temporal and the
 * derived maps see the same string.
 */
export abstract class SynclineError extends Error {
  static readonly meaning: ErrorMeaning = meaning('SynclineError');

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = (new.target as unknown as { meaning: ErrorMeaning }).meaning.type;
  }

  /** The HTTP body code of this instance, when it differs per instance (signature failures say which check failed). */
  httpCode(): string | undefined {
    return undefined;
  }
}

export type SynclineErrorClass = (abstract new (...args: never[]) => SynclineError) & {
  readonly meaning: ErrorMeaning;
};
