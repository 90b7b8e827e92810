// The contract every scheme honours, checked against deliveries signed by the
// providers' own libraries (or node:crypto where there is none). One valid
// fixture per scheme; each test changes exactly one thing about it.
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  verifySignature,
  type IncomingHeaders,
  type SignatureConfig,
  type Verified,
  type VerifyInput,
} from '../../src/signatures';
import { SignatureError, type SignatureErrorCode } from '../../src/errors/ingestErrors';

const NOW_SEC = 1_767_225_600;
const BODY = Buffer.from(JSON.stringify({ id: 'evt_1', object: 'event', type: 'customer.updated' }));
const EVENT_ID = 'evt-header-1';
const stripeClient = new Stripe('sk_test_x');

interface OctokitMethods {
  sign(secret: string, payload: string): Promise<string>;
}
// ESM-only package, and tsconfig's node10 resolution cannot see its types: import by variable.
const OCTOKIT_METHODS = '@octokit/webhooks-methods';
const octokit = async (): Promise<OctokitMethods> => (await import(OCTOKIT_METHODS)) as OctokitMethods;

const hmacOf = (algorithm: string, secret: string, content: string | Buffer) =>
  crypto.createHmac(algorithm, secret).update(content);

interface Fixture {
  name: string;
  config: SignatureConfig;
  secret: string;
  /** Well-formed for the scheme, but not the one the partner signed with. */
  otherSecret: string;
  signatureHeader: string;
  malformed: string;
  timestamped: boolean;
  /** Lower-case headers of BODY signed with `secret` at `timestampSec`, as the partner sends them. */
  deliver(secret: string, timestampSec: number): Promise<IncomingHeaders>;
  expected: Verified;
}

const FIXTURES: Fixture[] = [
  {
    name: 'stripe',
    config: { scheme: 'stripe' },
    secret: 'whsec_test_one',
    otherSecret: 'whsec_test_two',
    signatureHeader: 'stripe-signature',
    malformed: 'garbage',
    timestamped: true,
    expected: { timestampSec: NOW_SEC },
    deliver: async (secret, timestamp) => ({
      'stripe-signature': stripeClient.webhooks.generateTestHeaderString({
        payload: BODY.toString(),
        secret,
        timestamp,
      }),
    }),
  },
  {
    name: 'github',
    config: { scheme: 'github' },
    secret: 'gh-secret-one',
    otherSecret: 'gh-secret-two',
    signatureHeader: 'x-hub-signature-256',
    malformed: 'sha256=not-hex',
    timestamped: false,
    expected: { headerEventId: EVENT_ID },
    deliver: async (secret) => ({
      'x-hub-signature-256': await (await octokit()).sign(secret, BODY.toString()),
      'x-github-delivery': EVENT_ID,
    }),
  },
  {
    name: 'shopify',
    config: { scheme: 'shopify' },
    secret: 'shpss_one',
    otherSecret: 'shpss_two',
    signatureHeader: 'x-shopify-hmac-sha256',
    malformed: '***',
    timestamped: false,
    expected: { headerEventId: EVENT_ID },
    deliver: async (secret) => ({
      'x-shopify-hmac-sha256': hmacOf('sha256', secret, BODY).digest('base64'),
      'x-shopify-event-id': EVENT_ID,
    }),
  },
  {
    name: 'standard-webhooks',
    config: { scheme: 'standard-webhooks' },
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    otherSecret: `whsec_${Buffer.from('a different 32-byte signing key!').toString('base64')}`,
    signatureHeader: 'webhook-signature',
    malformed: 'v1',
    timestamped: true,
    expected: { headerEventId: EVENT_ID, timestampSec: NOW_SEC },
    deliver: async (secret, timestamp) => ({
      'webhook-id': EVENT_ID,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': new Webhook(secret).sign(EVENT_ID, new Date(timestamp * 1000), BODY),
    }),
  },
  {
    name: 'hmac with timestamp',
    config: { scheme: 'hmac', header: 'X-Signature', prefix: 'sha256=', timestampHeader: 'X-Timestamp' },
    secret: 'partner-one',
    otherSecret: 'partner-two',
    signatureHeader: 'x-signature',
    malformed: 'sha256=zz',
    timestamped: true,
    expected: { timestampSec: NOW_SEC },
    deliver: async (secret, timestamp) => ({
      'x-signature': `sha256=${hmacOf('sha256', secret, `${timestamp}.`).update(BODY).digest('hex')}`,
      'x-timestamp': String(timestamp),
    }),
  },
  {
    name: 'hmac base64 sha512',
    config: { scheme: 'hmac', header: 'x-partner-signature', encoding: 'base64', algorithm: 'sha512' },
    secret: 'partner-one',
    otherSecret: 'partner-two',
    signatureHeader: 'x-partner-signature',
    malformed: 'c2hvcnQ=',
    timestamped: false,
    expected: {},
    deliver: async (secret) => ({ 'x-partner-signature': hmacOf('sha512', secret, BODY).digest('base64') }),
  },
];

function expectRejected(input: VerifyInput, config: SignatureConfig, code: SignatureErrorCode): void {
  let caught: unknown;
  try {
    verifySignature(config, input);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SignatureError);
  // The whole message is fixed, so it can carry neither secret nor signature.
  expect(caught).toMatchObject({ code, message: `webhook signature rejected: ${code}` });
}

describe.each(FIXTURES)('$name signatures', (f) => {
  const valid = async (): Promise<VerifyInput> => ({
    headers: await f.deliver(f.secret, NOW_SEC),
    rawBody: BODY,
    secrets: [f.secret],
    nowSec: NOW_SEC,
  });
  const withSignatureHeader = async (value: string | string[] | undefined): Promise<VerifyInput> => {
    const input = await valid();
    return { ...input, headers: { ...input.headers, [f.signatureHeader]: value } };
  };

  it('accepts a valid delivery', async () => {
    expect(verifySignature(f.config, await valid())).toEqual(f.expected);
  });

  it('rejects a body changed by one character', async () => {
    const rawBody = Buffer.from(BODY.toString().replace('evt_1', 'evt_2'));
    expectRejected({ ...(await valid()), rawBody }, f.config, 'invalid_signature');
  });

  it('rejects a delivery when only another secret is active', async () => {
    expectRejected({ ...(await valid()), secrets: [f.otherSecret] }, f.config, 'invalid_signature');
  });

  it('accepts when the second of two active secrets matches (rotation)', async () => {
    expect(verifySignature(f.config, { ...(await valid()), secrets: [f.otherSecret, f.secret] })).toEqual(f.expected);
  });

  it('rejects every delivery when no secret is configured', async () => {
    expectRejected({ ...(await valid()), secrets: [] }, f.config, 'no_secret_configured');
  });

  it('rejects a delivery without the signature header', async () => {
    expectRejected(await withSignatureHeader(undefined), f.config, 'missing_signature');
  });

  it('rejects a garbage signature header', async () => {
    expectRejected(await withSignatureHeader(f.malformed), f.config, 'malformed_signature');
  });

  it('rejects a repeated signature header even when both copies are valid', async () => {
    const copy = String((await valid()).headers[f.signatureHeader]);
    expectRejected(await withSignatureHeader([copy, copy]), f.config, 'malformed_signature');
  });

  it('rejects a signature header longer than 8 KiB', async () => {
    expectRejected(await withSignatureHeader('a'.repeat(8 * 1024 + 1)), f.config, 'malformed_signature');
  });
});

describe.each(FIXTURES.filter((f) => f.timestamped))('$name replay window', (f) => {
  const signedAt = async (timestampSec: number): Promise<VerifyInput> => ({
    headers: await f.deliver(f.secret, timestampSec),
    rawBody: BODY,
    secrets: [f.secret],
    nowSec: NOW_SEC,
  });

  it('rejects a delivery signed more than 300 s ago', async () => {
    expectRejected(await signedAt(NOW_SEC - 301), f.config, 'stale_timestamp');
  });

  it('rejects a delivery signed more than 300 s in the future', async () => {
    expectRejected(await signedAt(NOW_SEC + 301), f.config, 'stale_timestamp');
  });

  it('accepts a delivery signed exactly 300 s ago', async () => {
    expect(verifySignature(f.config, await signedAt(NOW_SEC - 300))).toMatchObject({ timestampSec: NOW_SEC - 300 });
  });

  it('uses config.toleranceSec instead of the default window', async () => {
    const input = await signedAt(NOW_SEC - 301);
    expect(verifySignature({ ...f.config, toleranceSec: 600 }, input)).toMatchObject({ timestampSec: NOW_SEC - 301 });
  });
});
