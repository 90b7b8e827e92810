// Structured logging outside Temporal code. Every line has a stable `event`
// field; secrets, signatures and payloads are never logged (redaction below is
// a second line of defence, not the first).
import pino from 'pino';
import { prettyDestination, wantsPretty } from './consoleFormat';

export type Logger = pino.Logger;

/** `destination` defaults to stdout; tests pass a stream to read what a run logged. */
export function createLogger(level: string = 'info', name = 'syncline', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          'secret',
          'secrets',
          '*.secret',
          '*.secrets',
          'signature',
          'headers.authorization',
          'payload',
          'rawBody',
          'signingSecrets',
          '*.signingSecrets',
          'credentials',
          '*.credentials',
          'apiKey',
          '*.apiKey',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * Standard output for a long-running process. With `bufferBytes` > 0 lines are
 * gathered into writes of that size, and flushed at least every 200 ms and on
 * exit (pino's exit hook), instead of one blocking write() per line: on the
 * webhook path that write cost more CPU than verifying the signature. What a
 * SIGKILL or an out-of-memory kill loses is the last 200 ms of lines. 0 writes
 * each line synchronously.
 */
export function stdoutDestination(bufferBytes: number): pino.DestinationStream {
  return bufferBytes > 0
    ? pino.destination({ dest: 1, sync: false, minLength: bufferBytes, periodicFlush: 200 })
    : pino.destination({ dest: 1, sync: true });
}

/**
 * Where a process started by a person or a supervisor logs: readable lines on a
 * terminal (LOG_FORMAT=auto) or when asked (pretty), JSON otherwise.
 */
export function consoleDestination(opts: {
  format: 'auto' | 'json' | 'pretty';
  bufferBytes: number;
}): pino.DestinationStream {
  if (wantsPretty(opts.format, process.stdout.isTTY))
    return prettyDestination(process.stdout, process.stdout.isTTY === true && !process.env.NO_COLOR);
  return stdoutDestination(opts.bufferBytes);
}
