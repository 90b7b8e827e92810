// Scheme-specific header grammar: what each scheme ignores, what it treats as
// malformed, and where its event id comes from. Signatures come from node:crypto.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SignatureConfigError,
  verifySignature,
  type IncomingHeaders,
  type SignatureConfig,
} from '../../src/signatures';
import { SignatureError, type SignatureErrorCode } from '../../src/errors/ingestErrors';

const NOW_SEC = 1_767_225_600;
const BODY = Buffer.from('{"id":"evt_1"}');
const SECRET = 'whsec_test_one';
const OTHER = 'whsec_test_two';

const mac = (secret: string | Buffer, content: string) =>
  crypto.createHmac('sha256', secret).update(content).update(BODY).digest();

function verify(config: SignatureConfig, headers: IncomingHeaders, secrets: string[] = [SECRET]) {
  return verifySignature(config, { headers, rawBody: BODY, secrets, nowSec: NOW_SEC });
}

function rejectionOf(run: () => unknown): SignatureErrorCode | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof SignatureError) return err.code;
    throw err;
  }
  return undefined;
}

describe('stripe header grammar', () => {
  const stripe: SignatureConfig = { scheme: 'stripe' };
  const v1 = (secret: string) => mac(secret, `${NOW_SEC}.`).toString('hex');
  const check = (header: string) => () => verify(stripe, { 'stripe-signature': header });

  it('accepts a header with several v1 entries when any one matches', () => {
    expect(check(`t=${NOW_SEC},v1=${v1(OTHER)},v1=${v1(SECRET)}`)()).toEqual({ timestampSec: NOW_SEC });
  });
  it('ignores v0 entries, whatever they hold', () => {
    expect(check(`t=${NOW_SEC},v0=not-hex,v1=${v1(SECRET)}`)()).toEqual({ timestampSec: NOW_SEC });
  });
  it('treats a header without t as malformed', () => {
    expect(rejectionOf(check(`v1=${v1(SECRET)}`))).toBe('malformed_signature');
  });
  it('treats a header without any v1 entry as malformed', () => {
    expect(rejectionOf(check(`t=${NOW_SEC},v0=${v1(SECRET)}`))).toBe('malformed_signature');
  });
  it('treats a non-numeric t as malformed', () => {
    expect(rejectionOf(check(`t=soon,v1=${v1(SECRET)}`))).toBe('malformed_signature');
  });
  it('treats two t entries as malformed', () => {
    expect(rejectionOf(check(`t=${NOW_SEC},t=${NOW_SEC},v1=${v1(SECRET)}`))).toBe('malformed_signature');
  });
});

describe('standard-webhooks header grammar', () => {
  const config: SignatureConfig = { scheme: 'standard-webhooks' };
  const key = Buffer.from('a 32-byte key for standard hooks');
  const secret = `whsec_${key.toString('base64')}`;
  const v1 = (k: Buffer) => `v1,${mac(k, `msg_1.${NOW_SEC}.`).toString('base64')}`;
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW_SEC), 'webhook-signature': v1(key) };
  const check =
    (changed: IncomingHeaders, secrets = [secret]) =>
    () =>
      verify(config, { ...headers, ...changed }, secrets);

  it('ignores other versions and accepts when any v1 entry matches', () => {
    const list = `v1a,c2lnbmVk ${v1(Buffer.from('another key'))} ${v1(key)}`;
    expect(check({ 'webhook-signature': list })()).toEqual({ headerEventId: 'msg_1', timestampSec: NOW_SEC });
  });
  it('treats a list without any v1 entry as malformed', () => {
    expect(rejectionOf(check({ 'webhook-signature': 'v1a,c2lnbmVk' }))).toBe('malformed_signature');
  });
  it('accepts a secret given as bare base64, without the whsec_ prefix', () => {
    expect(check({}, [key.toString('base64')])()).toMatchObject({ headerEventId: 'msg_1' });
  });
  it('skips a secret that is not base64 and still tries the others', () => {
    expect(check({}, ['whsec_not base64!', secret])()).toMatchObject({ headerEventId: 'msg_1' });
  });
  it('rejects as no_secret_configured when no secret is usable', () => {
    expect(rejectionOf(check({}, ['whsec_not base64!']))).toBe('no_secret_configured');
  });
  it('rejects a delivery without webhook-id as missing_signature', () => {
    expect(rejectionOf(check({ 'webhook-id': undefined }))).toBe('missing_signature');
  });
  it('rejects a delivery without webhook-timestamp as missing_timestamp', () => {
    expect(rejectionOf(check({ 'webhook-timestamp': undefined }))).toBe('missing_timestamp');
  });
  it('treats a non-numeric webhook-timestamp as malformed', () => {
    expect(rejectionOf(check({ 'webhook-timestamp': '2026-01-01T00:00:00Z' }))).toBe('malformed_signature');
  });
});

describe('event ids and prefixes of the timestamp-free schemes', () => {
  const github = (extra: IncomingHeaders) => () =>
    verify({ scheme: 'github' }, { 'x-hub-signature-256': `sha256=${mac(SECRET, '').toString('hex')}`, ...extra });
  const shopify = (extra: IncomingHeaders) =>
    verify({ scheme: 'shopify' }, { 'x-shopify-hmac-sha256': mac(SECRET, '').toString('base64'), ...extra });

  it('github: treats a signature without the sha256= prefix as malformed', () => {
    expect(rejectionOf(github({ 'x-hub-signature-256': mac(SECRET, '').toString('hex') }))).toBe('malformed_signature');
  });
  it('github: accepts a delivery without X-GitHub-Delivery, with no header event id', () => {
    expect(github({})()).toEqual({});
  });
  it('github: ignores a repeated X-GitHub-Delivery instead of guessing', () => {
    expect(github({ 'x-github-delivery': ['a', 'b'] })()).toEqual({});
  });
  it('shopify: falls back to X-Shopify-Webhook-Id for the event id', () => {
    expect(shopify({ 'x-shopify-webhook-id': 'wh_1' })).toEqual({ headerEventId: 'wh_1' });
  });
  it('shopify: prefers X-Shopify-Event-Id over X-Shopify-Webhook-Id', () => {
    expect(shopify({ 'x-shopify-event-id': 'ev_1', 'x-shopify-webhook-id': 'wh_1' })).toEqual({
      headerEventId: 'ev_1',
    });
  });
});

describe('generic hmac settings', () => {
  const config: SignatureConfig = { scheme: 'hmac', header: 'x-sig', prefix: 'sha256=', timestampHeader: 'x-ts' };
  const headers = { 'x-sig': `sha256=${mac(SECRET, `${NOW_SEC}.`).toString('hex')}`, 'x-ts': String(NOW_SEC) };
  const check = (changed: IncomingHeaders) => () => verify(config, { ...headers, ...changed });

  it('rejects a delivery without the configured timestamp header as missing_timestamp', () => {
    expect(rejectionOf(check({ 'x-ts': undefined }))).toBe('missing_timestamp');
  });
  it('treats a non-numeric timestamp as malformed', () => {
    expect(rejectionOf(check({ 'x-ts': 'yesterday' }))).toBe('malformed_signature');
  });
  it('treats a signature without the configured prefix as malformed', () => {
    expect(rejectionOf(check({ 'x-sig': mac(SECRET, `${NOW_SEC}.`).toString('hex') }))).toBe('malformed_signature');
  });
  it('rejects a signature over the body alone when a timestamp header is configured', () => {
    expect(rejectionOf(check({ 'x-sig': `sha256=${mac(SECRET, '').toString('hex')}` }))).toBe('invalid_signature');
  });
  it('throws SignatureConfigError, not a rejection, when config.header is missing', () => {
    expect(() => verify({ scheme: 'hmac' }, headers)).toThrow(SignatureConfigError);
  });
});
