// Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(secret, body)>`. No
// timestamp. The event id is X-Shopify-Event-Id (unsigned); older deliveries only
// carry X-Shopify-Webhook-Id, which then stands in for it.

import { anyDigestMatches } from './compare';
import { decodeDigest, DIGEST_BYTES, hmac, signingKey, utf8Key, utf8Keys } from './digest';
import { readInfoHeader, readSignedHeader } from './headers';
import type { Scheme } from './scheme';
import { SignatureError } from '../errors/ingestErrors';

export const shopify: Scheme = {
  verify(_config, { headers, rawBody, secrets }) {
    const keys = utf8Keys(secrets);
    const value = readSignedHeader(headers, 'x-shopify-hmac-sha256');
    if (value === undefined) throw new SignatureError('missing_signature');
    const provided = decodeDigest(value, 'base64', DIGEST_BYTES.sha256);
    if (!anyDigestMatches(keys, [provided], (key) => hmac('sha256', key, [rawBody]))) {
      throw new SignatureError('invalid_signature');
    }
    const headerEventId =
      readInfoHeader(headers, 'x-shopify-event-id') ?? readInfoHeader(headers, 'x-shopify-webhook-id');
    return headerEventId === undefined ? {} : { headerEventId };
  },

  sign(_config, { rawBody, secret, eventId }) {
    const key = signingKey(secret, utf8Key);
    return {
      'X-Shopify-Hmac-Sha256': hmac('sha256', key, [rawBody]).toString('base64'),
      'X-Shopify-Event-Id': eventId,
    };
  },
};
