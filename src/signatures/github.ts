// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. No
// timestamp, so no replay window: dedupe by X-GitHub-Delivery (unsigned).

import { anyDigestMatches } from './compare';
import { decodeDigest, DIGEST_BYTES, hmac, signingKey, utf8Key, utf8Keys } from './digest';
import { readInfoHeader, readSignedHeader } from './headers';
import type { Scheme } from './scheme';
import { SignatureError } from '../errors/ingestErrors';

const PREFIX = 'sha256=';

export const github: Scheme = {
  verify(_config, { headers, rawBody, secrets }) {
    const keys = utf8Keys(secrets);
    const value = readSignedHeader(headers, 'x-hub-signature-256');
    if (value === undefined) throw new SignatureError('missing_signature');
    if (!value.startsWith(PREFIX)) throw new SignatureError('malformed_signature');
    const provided = decodeDigest(value.slice(PREFIX.length), 'hex', DIGEST_BYTES.sha256);
    if (!anyDigestMatches(keys, [provided], (key) => hmac('sha256', key, [rawBody]))) {
      throw new SignatureError('invalid_signature');
    }
    const headerEventId = readInfoHeader(headers, 'x-github-delivery');
    return headerEventId === undefined ? {} : { headerEventId };
  },

  sign(_config, { rawBody, secret, eventId }) {
    const key = signingKey(secret, utf8Key);
    return {
      'X-Hub-Signature-256': `${PREFIX}${hmac('sha256', key, [rawBody]).toString('hex')}`,
      'X-GitHub-Delivery': eventId,
    };
  },
};
