// The pieces under the schemes: constant-time compare, header reading, the
// config validator, and what verifySignature lets escape.
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/signatures/compare';
import { readInfoHeader, readSignedHeader } from '../../src/signatures/headers';
import {
  parseSignatureConfig,
  signDelivery,
  SignatureConfigError,
  verifySignature,
  type IncomingHeaders,
} from '../../src/signatures';
import { SignatureError } from '../../src/errors/ingestErrors';

describe('constantTimeEqual', () => {
  it('is true for equal buffers', () => {
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
  });
  it('is false for different buffers of equal length', () => {
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
  });
  it('returns false, rather than throwing, for buffers of unequal length', () => {
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
  });
});

describe('reading headers', () => {
  it('finds a header whatever the case of the requested name', () => {
    expect(readSignedHeader({ 'x-sig': 'v' }, 'X-Sig')).toBe('v');
  });
  it('accepts a one-element array as a single header', () => {
    expect(readSignedHeader({ 'x-sig': ['v'] }, 'x-sig')).toBe('v');
  });
  it('treats an empty value as absent', () => {
    expect(readSignedHeader({ 'x-sig': '  ' }, 'x-sig')).toBeUndefined();
  });
  it('rejects a repeated signed header as malformed', () => {
    expect(() => readSignedHeader({ 'x-sig': ['a', 'b'] }, 'x-sig')).toThrow(new SignatureError('malformed_signature'));
  });
  it('reads a repeated or oversized informational header as absent', () => {
    expect(readInfoHeader({ 'x-id': ['a', 'b'] }, 'x-id')).toBeUndefined();
    expect(readInfoHeader({ 'x-id': 'a'.repeat(8 * 1024 + 1) }, 'x-id')).toBeUndefined();
  });
});

describe('parseSignatureConfig', () => {
  it('returns a clean copy of a valid config, without undefined keys', () => {
    const config = {
      scheme: 'hmac',
      header: 'X-Sig',
      encoding: 'base64',
      prefix: undefined,
      timestampHeader: 'X-Ts',
      toleranceSec: 60,
    };
    expect(parseSignatureConfig(config)).toStrictEqual({
      scheme: 'hmac',
      header: 'X-Sig',
      encoding: 'base64',
      timestampHeader: 'X-Ts',
      toleranceSec: 60,
    });
  });
  it('accepts every named scheme with no other settings', () => {
    for (const scheme of ['stripe', 'github', 'shopify', 'standard-webhooks']) {
      expect(parseSignatureConfig({ scheme })).toEqual({ scheme });
    }
  });
  it.each([
    ['not an object', 'stripe', 'expected an object'],
    ['an unknown scheme', { scheme: 'paypal' }, 'scheme must be one of'],
    ['hmac without a header', { scheme: 'hmac' }, 'header must be a header name'],
    [
      'hmac with a header name that is not a token',
      { scheme: 'hmac', header: 'x sig' },
      'header must be a header name',
    ],
    ['a bad encoding', { scheme: 'hmac', header: 'x-sig', encoding: 'base32' }, 'encoding must be one of hex, base64'],
    ['a bad algorithm', { scheme: 'hmac', header: 'x-sig', algorithm: 'md5' }, 'algorithm must be one of'],
    ['an unknown key', { scheme: 'stripe', tolerance: 60 }, 'unknown key "tolerance"'],
    ['an hmac setting on a named scheme', { scheme: 'github', header: 'x-sig' }, 'header is only for scheme hmac'],
    ['a negative tolerance', { scheme: 'stripe', toleranceSec: -1 }, 'toleranceSec must be a positive number'],
    ['a tolerance the scheme ignores', { scheme: 'shopify', toleranceSec: 60 }, 'toleranceSec has no effect'],
  ])('rejects %s with a clear message', (_label, value, message) => {
    expect(() => parseSignatureConfig(value)).toThrow(message);
  });
  it('lists every problem at once', () => {
    expect(() => parseSignatureConfig({ scheme: 'hmac', encoding: 'base32', extra: 1 })).toThrow(
      'invalid signature config: unknown key "extra"; header must be a header name (required for hmac); encoding must be one of hex, base64',
    );
  });
});

describe('what verifySignature and signDelivery let escape', () => {
  it('turns an unexpected failure while reading the request into malformed_signature', () => {
    const hostile: IncomingHeaders = new Proxy(
      {},
      {
        get: () => {
          throw new TypeError('boom');
        },
      },
    );
    const input = { headers: hostile, rawBody: Buffer.from('{}'), secrets: ['s'], nowSec: 0 };
    expect(() => verifySignature({ scheme: 'github' }, input)).toThrow(new SignatureError('malformed_signature'));
  });
  it('refuses to sign with an empty secret', () => {
    const input = { rawBody: Buffer.from('{}'), secret: '', nowSec: 0, eventId: 'e' };
    expect(() => signDelivery({ scheme: 'shopify' }, input)).toThrow(SignatureConfigError);
  });
  it('ignores an empty secret among the active ones, since anyone could forge with it', () => {
    const input = {
      headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      rawBody: Buffer.from('{}'),
      secrets: [''],
      nowSec: 0,
    };
    expect(() => verifySignature({ scheme: 'github' }, input)).toThrow(new SignatureError('no_secret_configured'));
  });
});
