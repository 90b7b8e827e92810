// Verifying a notification from syncline in the product (docs/notifications.md).
// Standard Webhooks, checked in this order over the exact raw bytes received:
// the three headers are present and unambiguous, the timestamp is within
// `toleranceSec` of now, some `v1,<base64>` entry equals the HMAC-SHA256 of
// `${webhook-id}.${webhook-timestamp}.${body}` under the `whsec_` secret
// (constant time, lengths first); only then is the body parsed. Every failure is
// a NotificationVerificationError with a short code. Like the rest of
// syncline/client it imports nothing of the server at run time; the server's
// signer (src/signatures) and this verifier are tested against each other and
// against the Standard Webhooks project's `standardwebhooks` library.
import crypto from 'node:crypto';
import { NOTIFICATION_TYPE, type NotificationBody } from '../contracts/notificationsApi';

export type { NotificationBody } from '../contracts/notificationsApi';

/** The Standard Webhooks default: a notification signed more than 5 minutes from now is refused. */
export const NOTIFICATION_TOLERANCE_SEC = 300;

export type NotificationErrorCode =
  'missing_headers' | 'stale_timestamp' | 'malformed_signature' | 'invalid_signature' | 'bad_secret' | 'malformed_body';

export class NotificationVerificationError extends Error {
  override readonly name = 'NotificationVerificationError';
  constructor(readonly code: NotificationErrorCode) {
    super(`notification refused: ${code}`);
  }
}

/** Headers as Node's http module gives them, fetch's Headers, or any record of names to values. */
export type NotificationHeaders = Headers | Record<string, string | string[] | undefined>;

const SECRET_PREFIX = 'whsec_';
const DIGEST_BYTES = 32;

function header(headers: NotificationHeaders, name: string): string {
  let value: string | string[] | null | undefined;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) value = headers.get(name);
  else {
    const record = headers as Record<string, string | string[] | undefined>;
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  if (Array.isArray(value)) value = value.length === 1 ? value[0] : undefined;
  if (!value) throw new NotificationVerificationError('missing_headers');
  return value.trim();
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new NotificationVerificationError('bad_secret');
  return key;
}

/**
 * The notification, once its signature and timestamp check out. `secret` is the
 * `whsec_...` secret syncline signs with; pass the raw body (Buffer or the exact
 * string received), never a re-serialised object.
 */
export function verifyNotification(
  headers: NotificationHeaders,
  rawBody: Buffer | string,
  secret: string,
  opts: { nowSec?: number; toleranceSec?: number } = {},
): NotificationBody {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  const sentSec = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  const nowSec = opts.nowSec ?? Math.floor(Date.now() / 1000);
  if (!(Math.abs(nowSec - sentSec) <= (opts.toleranceSec ?? NOTIFICATION_TOLERANCE_SEC)))
    throw new NotificationVerificationError('stale_timestamp');
  const expected = crypto.createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`).update(body).digest();
  const provided = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  if (provided.length === 0) throw new NotificationVerificationError('malformed_signature');
  let matched = false;
  for (const candidate of provided)
    matched = (candidate.length === DIGEST_BYTES && crypto.timingSafeEqual(candidate, expected)) || matched;
  if (!matched) throw new NotificationVerificationError('invalid_signature');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new NotificationVerificationError('malformed_body');
  }
  const n = parsed as Partial<NotificationBody> | null;
  if (n?.type !== NOTIFICATION_TYPE || typeof n.nextCursor !== 'string' || !Array.isArray(n.changes))
    throw new NotificationVerificationError('malformed_body');
  return n as NotificationBody;
}
