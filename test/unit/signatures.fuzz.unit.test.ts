// Property-based fuzzing of every signature header format: whatever a sender
// puts in the headers, verification either accepts a genuinely signed delivery
// or throws SignatureError with a known code — never anything else, never a
// crash. And sign() → verify() round-trips for arbitrary bodies and secrets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signDelivery, verifySignature, type SignatureConfig } from '../../src/signatures';
import { SignatureError } from '../../src/errors/ingestErrors';

const NOW = 1_800_000_000;
const CODES = new Set([
  'missing_signature',
  'malformed_signature',
  'missing_timestamp',
  'stale_timestamp',
  'invalid_signature',
  'no_secret_configured',
]);
const CONFIGS: Array<{ config: SignatureConfig; headers: string[]; secret: string }> = [
  { config: { scheme: 'stripe' }, headers: ['stripe-signature'], secret: 'whsec_fuzz' },
  { config: { scheme: 'github' }, headers: ['x-hub-signature-256', 'x-github-delivery'], secret: 'gh-fuzz' },
  {
    config: { scheme: 'shopify' },
    headers: ['x-shopify-hmac-sha256', 'x-shopify-event-id', 'x-shopify-webhook-id'],
    secret: 'shp-fuzz',
  },
  {
    config: { scheme: 'standard-webhooks' },
    headers: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    secret: 'whsec_' + Buffer.from('fuzz-key-0123456789').toString('base64'),
  },
  {
    config: {
      scheme: 'hmac',
      header: 'x-signature',
      encoding: 'base64',
      prefix: 'v1=',
      timestampHeader: 'x-timestamp',
    },
    headers: ['x-signature', 'x-timestamp'],
    secret: 'hmac-fuzz',
  },
];

/** Header values a hostile or broken sender might produce, including plausible near-misses. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    't=1800000000,v1=',
    'sha256=',
    'v1,',
    'v1,====',
    't=,v1=00',
    'sha256=zz',
    ' ',
    ',,,',
    'v1=' + 'a'.repeat(64),
  ),
  fc.integer().map(String),
  fc.array(fc.string({ maxLength: 50 }), { minLength: 0, maxLength: 3 }),
  fc.string({ minLength: 8_000, maxLength: 9_000 }),
);

describe('signature verification under fuzzing', () => {
  for (const { config, headers, secret } of CONFIGS) {
    it(`${config.scheme}: arbitrary headers are rejected with a SignatureError code, never anything else`, () => {
      fc.assert(
        fc.property(
          fc.dictionary(fc.constantFrom(...headers), headerValue),
          fc.uint8Array({ maxLength: 300 }),
          (hdrs, body) => {
            try {
              verifySignature(config, {
                headers: hdrs as Record<string, string | string[]>,
                rawBody: Buffer.from(body),
                secrets: [secret],
                nowSec: NOW,
              });
              return false; // a random header set must never verify
            } catch (err) {
              return err instanceof SignatureError && CODES.has(err.code) && !err.message.includes(secret);
            }
          },
        ),
        { numRuns: 200 },
      );
    });

    it(`${config.scheme}: any body signed with any secret verifies, and one flipped byte does not`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 1, maxLength: 500 }),
          fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
          fc.nat(),
          (body, rawSecret, flip) => {
            const key =
              config.scheme === 'standard-webhooks' ? 'whsec_' + Buffer.from(rawSecret).toString('base64') : rawSecret;
            const rawBody = Buffer.from(body);
            const signed = signDelivery(config, { rawBody, secret: key, nowSec: NOW, eventId: 'evt_fuzz' });
            const lower = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v]));
            verifySignature(config, { headers: lower, rawBody, secrets: [key], nowSec: NOW });
            const tampered = Buffer.from(rawBody);
            const i = flip % tampered.length;
            tampered[i] = tampered[i]! ^ 0x01;
            expect(() =>
              verifySignature(config, { headers: lower, rawBody: tampered, secrets: [key], nowSec: NOW }),
            ).toThrow(SignatureError);
          },
        ),
        { numRuns: 100 },
      );
    });
  }
});
