// HMAC primitives shared by the schemes: computing over exact raw bytes,
// decoding the digest a sender provided, and turning secrets into keys.

import crypto from 'node:crypto';
import { SignatureConfigError } from './scheme';
import { SignatureError } from '../errors/ingestErrors';

export type HmacAlgorithm = 'sha256' | 'sha512' | 'sha1';
export type DigestEncoding = 'hex' | 'base64';

export const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
// Padding optional: some senders strip it; the length check below still applies.
export const BASE64_TEXT = /^[A-Za-z0-9+/]+={0,2}$/;

/** HMAC over the parts in order; Buffers are used as is, strings as UTF-8. */
export function hmac(algorithm: HmacAlgorithm, key: Buffer, parts: readonly (string | Buffer)[]): Buffer {
  const mac = crypto.createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Decodes a sender's digest. Node's decoders silently skip bad characters, so the
 * text is checked first; anything that is not exactly `bytes` bytes is malformed.
 */
export function decodeDigest(value: string, encoding: DigestEncoding, bytes: number): Buffer {
  const wellFormed = (encoding === 'hex' ? HEX : BASE64_TEXT).test(value);
  const decoded = wellFormed ? Buffer.from(value, encoding) : Buffer.alloc(0);
  if (decoded.length !== bytes) throw new SignatureError('malformed_signature');
  return decoded;
}

export const utf8Key = (secret: string): Buffer => Buffer.from(secret, 'utf8');

/** Secrets as UTF-8 keys. Empty ones are dropped: an HMAC keyed with nothing is forgeable by anyone. */
export function utf8Keys(secrets: readonly string[]): Buffer[] {
  return requireKeys(secrets.filter((secret) => secret !== '').map(utf8Key));
}

export function requireKeys(keys: Buffer[]): Buffer[] {
  if (keys.length === 0) throw new SignatureError('no_secret_configured');
  return keys;
}

/** The key to sign with; an unusable secret is the caller's bug, not a rejection. */
export function signingKey(secret: string, toKey: (secret: string) => Buffer | undefined): Buffer {
  const key = secret === '' ? undefined : toKey(secret);
  if (key === undefined || key.length === 0)
    throw new SignatureConfigError('signing secret is empty or not usable for this scheme');
  return key;
}
