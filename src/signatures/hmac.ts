// Generic HMAC for partners without a named scheme: the digest of the raw body
// (or of `${ts}.${body}` when config.timestampHeader is set) in config.header,
// hex or base64, optionally behind a fixed prefix such as "sha256=". With a
// timestamp header the timestamp is required and must be within toleranceSec.

import { anyDigestMatches } from './compare';
import { decodeDigest, DIGEST_BYTES, hmac as computeHmac, signingKey, utf8Key, utf8Keys } from './digest';
import { readSignedHeader } from './headers';
import { SignatureConfigError, type Scheme } from './scheme';
import { assertFresh, parseUnixSeconds } from './timestamp';
import { type IncomingHeaders, type SignatureConfig } from './types';
import { SignatureError } from '../errors/ingestErrors';

function settings(config: SignatureConfig) {
  if (config.header === undefined || config.header === '') {
    throw new SignatureConfigError('hmac scheme needs config.header');
  }
  return {
    header: config.header,
    encoding: config.encoding ?? 'hex',
    prefix: config.prefix ?? '',
    algorithm: config.algorithm ?? 'sha256',
    timestampHeader: config.timestampHeader,
  };
}

const signedParts = (timestampSec: number | undefined, rawBody: Buffer): (string | Buffer)[] =>
  timestampSec === undefined ? [rawBody] : [`${timestampSec}.`, rawBody];

/** The checked timestamp, or undefined when this config signs no timestamp. */
function freshTimestamp(config: SignatureConfig, headers: IncomingHeaders, nowSec: number): number | undefined {
  if (config.timestampHeader === undefined) return undefined;
  const value = readSignedHeader(headers, config.timestampHeader);
  if (value === undefined) throw new SignatureError('missing_timestamp');
  const timestampSec = parseUnixSeconds(value);
  assertFresh(timestampSec, nowSec, config.toleranceSec);
  return timestampSec;
}

export const hmac: Scheme = {
  verify(config, { headers, rawBody, secrets, nowSec }) {
    const { header, encoding, prefix, algorithm } = settings(config);
    const keys = utf8Keys(secrets);
    const value = readSignedHeader(headers, header);
    if (value === undefined) throw new SignatureError('missing_signature');
    if (!value.startsWith(prefix)) throw new SignatureError('malformed_signature');
    const provided = decodeDigest(value.slice(prefix.length), encoding, DIGEST_BYTES[algorithm]);
    const timestampSec = freshTimestamp(config, headers, nowSec);
    const parts = signedParts(timestampSec, rawBody);
    if (!anyDigestMatches(keys, [provided], (key) => computeHmac(algorithm, key, parts))) {
      throw new SignatureError('invalid_signature');
    }
    return timestampSec === undefined ? {} : { timestampSec };
  },

  sign(config, { rawBody, secret, nowSec }) {
    const { header, encoding, prefix, algorithm, timestampHeader } = settings(config);
    const key = signingKey(secret, utf8Key);
    const timestampSec = timestampHeader === undefined ? undefined : nowSec;
    const signature = `${prefix}${computeHmac(algorithm, key, signedParts(timestampSec, rawBody)).toString(encoding)}`;
    return timestampHeader === undefined
      ? { [header]: signature }
      : { [header]: signature, [timestampHeader]: String(nowSec) };
  },
};
