// Structured logging outside Temporal code. Every line has a stable `event`
// field; secrets, signatures and payloads are never logged (redaction below is
// a second line of defence, not the first).
import pino from 'pino';

export type Logger = pino.Logger;

/** `destination` defaults to stdout; tests pass a stream to read what a run logged. */
export function createLogger(level: string = 'info', name = 'syncline', destination?: pino.DestinationStream): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'secret', 'secrets', '*.secret', '*.secrets', 'signature', 'headers.authorization', 'payload', 'rawBody',
        'signingSecrets', '*.signingSecrets', 'credentials', '*.credentials', 'apiKey', '*.apiKey', 'token', '*.token',
      ],
      censor: '[redacted]',
    },
  }, destination);
}
