// Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`,
// `webhook-timestamp` and `webhook-signature` (space-separated `v1,<base64>`
// entries; other versions such as v1a are ignored). Signed content is
// `${id}.${timestamp}.${body}`. Secrets are `whsec_<base64 key>`; a bare base64
// key is accepted too. The id is signed, so it is read strictly.

import { anyDigestMatches } from './compare';
import { BASE64_TEXT, decodeDigest, DIGEST_BYTES, hmac, requireKeys, signingKey } from './digest';
import { readSignedHeader } from './headers';
import type { Scheme } from './scheme';
import { assertFresh, parseUnixSeconds } from './timestamp';
import { SignatureError } from '../errors/ingestErrors';

const SECRET_PREFIX = 'whsec_';

/** The key bytes of a secret, or undefined when it is not base64 (such a secret can never match). */
function secretKey(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64_TEXT.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 ? key : undefined;
}

function parseSignatures(value: string): Buffer[] {
  const signatures: Buffer[] = [];
  for (const entry of value.split(' ')) {
    if (entry === '') continue;
    const comma = entry.indexOf(',');
    if (comma < 0) throw new SignatureError('malformed_signature');
    if (entry.slice(0, comma) === 'v1') {
      signatures.push(decodeDigest(entry.slice(comma + 1), 'base64', DIGEST_BYTES.sha256));
    }
  }
  if (signatures.length === 0) throw new SignatureError('malformed_signature');
  return signatures;
}

const digest = (key: Buffer, id: string, timestampSec: number, rawBody: Buffer): Buffer =>
  hmac('sha256', key, [`${id}.${timestampSec}.`, rawBody]);

export const standardWebhooks: Scheme = {
  verify(config, { headers, rawBody, secrets, nowSec }) {
    const keys = requireKeys(secrets.flatMap((secret) => secretKey(secret) ?? []));
    const signatureValue = readSignedHeader(headers, 'webhook-signature');
    const id = readSignedHeader(headers, 'webhook-id');
    if (signatureValue === undefined || id === undefined) throw new SignatureError('missing_signature');
    const timestampValue = readSignedHeader(headers, 'webhook-timestamp');
    if (timestampValue === undefined) throw new SignatureError('missing_timestamp');
    const signatures = parseSignatures(signatureValue);
    const timestampSec = parseUnixSeconds(timestampValue);
    assertFresh(timestampSec, nowSec, config.toleranceSec);
    if (!anyDigestMatches(keys, signatures, (key) => digest(key, id, timestampSec, rawBody))) {
      throw new SignatureError('invalid_signature');
    }
    return { headerEventId: id, timestampSec };
  },

  sign(_config, { rawBody, secret, nowSec, eventId }) {
    const key = signingKey(secret, secretKey);
    return {
      'webhook-id': eventId,
      'webhook-timestamp': String(nowSec),
      'webhook-signature': `v1,${digest(key, eventId, nowSec, rawBody).toString('base64')}`,
    };
  },
};
