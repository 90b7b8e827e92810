// Our sign() checked by the providers' own libraries, and every scheme's sign()
// output accepted by its verify(). sign() uses the partners' header casing;
// Node hands verify() lower-case keys, so the round trip lower-cases them.
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  signDelivery,
  verifySignature,
  type SignatureConfig,
  type SignInput,
  type Verified,
} from '../../src/signatures';

const NOW_SEC = 1_767_225_600;
const BODY = Buffer.from(JSON.stringify({ id: 'evt_1', object: 'event', type: 'customer.updated' }));
const EVENT_ID = 'evt-header-1';
const signInput = (secret: string): SignInput => ({ rawBody: BODY, secret, nowSec: NOW_SEC, eventId: EVENT_ID });

interface OctokitMethods {
  verify(secret: string, payload: string, signature: string): Promise<boolean>;
}
// ESM-only package, and tsconfig's node10 resolution cannot see its types: import by variable.
const OCTOKIT_METHODS = '@octokit/webhooks-methods';
const octokit = async (): Promise<OctokitMethods> => (await import(OCTOKIT_METHODS)) as OctokitMethods;

const lowerCased = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

afterEach(() => {
  vi.useRealTimers();
});

describe('sign() as the providers check it', () => {
  it('stripe: constructEvent accepts our Stripe-Signature', () => {
    const headers = signDelivery({ scheme: 'stripe' }, signInput('whsec_test_one'));
    expect(Object.keys(headers)).toEqual(['Stripe-Signature']);
    const event = new Stripe('sk_test_x').webhooks.constructEvent(
      BODY,
      headers['Stripe-Signature'] ?? '',
      'whsec_test_one',
      300,
      undefined,
      NOW_SEC * 1000,
    );
    expect(event.id).toBe('evt_1');
  });

  it('github: @octokit/webhooks-methods verifies our X-Hub-Signature-256', async () => {
    const headers = signDelivery({ scheme: 'github' }, signInput('gh-secret'));
    expect(headers['X-GitHub-Delivery']).toBe(EVENT_ID);
    expect(await (await octokit()).verify('gh-secret', BODY.toString(), headers['X-Hub-Signature-256'] ?? '')).toBe(
      true,
    );
  });

  it('shopify: X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the raw body', () => {
    const expected = crypto.createHmac('sha256', 'shpss_one').update(BODY).digest('base64');
    expect(signDelivery({ scheme: 'shopify' }, signInput('shpss_one'))).toEqual({
      'X-Shopify-Hmac-Sha256': expected,
      'X-Shopify-Event-Id': EVENT_ID,
    });
  });

  it('standard-webhooks: the reference Webhook.verify accepts our headers', () => {
    vi.setSystemTime(NOW_SEC * 1000);
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = signDelivery({ scheme: 'standard-webhooks' }, signInput(secret));
    expect(Object.keys(headers)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY.toString()));
  });

  it('hmac: prefix plus hex HMAC of `${ts}.${body}`, with the timestamp header', () => {
    const config: SignatureConfig = {
      scheme: 'hmac',
      header: 'X-Signature',
      prefix: 'sha256=',
      timestampHeader: 'X-Timestamp',
    };
    const digest = crypto.createHmac('sha256', 'partner').update(`${NOW_SEC}.`).update(BODY).digest('hex');
    expect(signDelivery(config, signInput('partner'))).toEqual({
      'X-Signature': `sha256=${digest}`,
      'X-Timestamp': String(NOW_SEC),
    });
  });
});

const ROUND_TRIPS: { config: SignatureConfig; secret: string; expected: Verified }[] = [
  { config: { scheme: 'stripe' }, secret: 'whsec_test_one', expected: { timestampSec: NOW_SEC } },
  { config: { scheme: 'github' }, secret: 'gh-secret', expected: { headerEventId: EVENT_ID } },
  { config: { scheme: 'shopify' }, secret: 'shpss_one', expected: { headerEventId: EVENT_ID } },
  {
    config: { scheme: 'standard-webhooks' },
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    expected: { headerEventId: EVENT_ID, timestampSec: NOW_SEC },
  },
  {
    config: { scheme: 'hmac', header: 'X-Sig', encoding: 'base64', algorithm: 'sha1' },
    secret: 'partner',
    expected: {},
  },
  {
    config: { scheme: 'hmac', header: 'X-Sig', timestampHeader: 'X-Ts' },
    secret: 'partner',
    expected: { timestampSec: NOW_SEC },
  },
];

describe.each(ROUND_TRIPS)('$config.scheme round trip', ({ config, secret, expected }) => {
  it(`verify() accepts what sign() produces (${JSON.stringify(config)})`, () => {
    const headers = lowerCased(signDelivery(config, signInput(secret)));
    expect(verifySignature(config, { headers, rawBody: BODY, secrets: [secret], nowSec: NOW_SEC })).toEqual(expected);
  });
});
