// Structured logging outside Temporal code. Every line has a stable `event`
// field; secrets, signatures and payloads are never logged (redaction below is
// a second line of defence, not the first).
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string = 'info', name = 'syncline'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['secret', 'secrets', '*.secret', '*.secrets', 'signature', 'headers.authorization', 'payload', 'rawBody'],
      censor: '[redacted]',
    },
  });
}
