// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, the HMAC-SHA256 of
// `${t}.${body}` keyed with the whsec_... secret's UTF-8 bytes (as Stripe does).
// During a secret roll Stripe sends one v1 per secret; any may match any active
// secret. Other schemes (v0) are ignored. No event id header: the id is in the body.

import { anyDigestMatches } from './compare';
import { decodeDigest, DIGEST_BYTES, hmac, signingKey, utf8Key, utf8Keys } from './digest';
import { readSignedHeader } from './headers';
import type { Scheme } from './scheme';
import { assertFresh, parseUnixSeconds } from './timestamp';
import { SignatureError } from '../errors/ingestErrors';

const HEADER = 'stripe-signature';

interface ParsedHeader {
  timestampSec: number;
  signatures: Buffer[];
}

function parseHeader(value: string): ParsedHeader {
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new SignatureError('malformed_signature');
    const key = item.slice(0, eq).trim();
    const entry = item.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined) throw new SignatureError('malformed_signature');
      timestamp = entry;
    } else if (key === 'v1') {
      signatures.push(decodeDigest(entry, 'hex', DIGEST_BYTES.sha256));
    }
  }
  if (timestamp === undefined || signatures.length === 0) throw new SignatureError('malformed_signature');
  return { timestampSec: parseUnixSeconds(timestamp), signatures };
}

const digest = (key: Buffer, timestampSec: number, rawBody: Buffer): Buffer =>
  hmac('sha256', key, [`${timestampSec}.`, rawBody]);

export const stripe: Scheme = {
  verify(config, { headers, rawBody, secrets, nowSec }) {
    const keys = utf8Keys(secrets);
    const value = readSignedHeader(headers, HEADER);
    if (value === undefined) throw new SignatureError('missing_signature');
    const { timestampSec, signatures } = parseHeader(value);
    assertFresh(timestampSec, nowSec, config.toleranceSec);
    if (!anyDigestMatches(keys, signatures, (key) => digest(key, timestampSec, rawBody))) {
      throw new SignatureError('invalid_signature');
    }
    return { timestampSec };
  },

  sign(_config, { rawBody, secret, nowSec }) {
    const key = signingKey(secret, utf8Key);
    return { 'Stripe-Signature': `t=${nowSec},v1=${digest(key, nowSec, rawBody).toString('hex')}` };
  },
};
