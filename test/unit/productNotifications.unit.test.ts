// Pure parts of the product notifications: endpoint and secret rules, the
// signed message (checked with `standardwebhooks`, the Standard Webhooks
// project's library, and with our typed client's verifier), and the documented
// consuming rule the tests and the chaos run hold the product to.
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { consume } from '../../dev/support/productEndpoint';
import { NotificationVerificationError, verifyNotification } from '../../src/client/notifications';
import type { NotificationBody } from '../../src/contracts/notificationsApi';
import { endpointProblem, resolveEndpoint, secretProblem } from '../../src/notifications/endpoint';
import { buildBody, notificationId, signedHeaders } from '../../src/notifications/message';

const SECRET = `whsec_${crypto.randomBytes(32).toString('base64')}`;
const NOW_SEC = 1_796_169_600;

function body(previousCursor: string | null, cursors: string[]): NotificationBody {
  return buildBody('acme', previousCursor, {
    changes: cursors.map((cursor, i) => ({
      type: 'customer',
      id: `cus_${i}`,
      version: String(i + 1),
      deleted: false,
      data: { i },
      source: { kind: 'webhook', eventId: `evt_${i}` },
      changedAt: new Date(0).toISOString(),
      cursor,
    })),
    nextCursor: cursors.at(-1)!,
    hasMore: false,
  });
}

function signed(b: NotificationBody, nowSec = NOW_SEC) {
  const raw = Buffer.from(JSON.stringify(b));
  return { raw, headers: signedHeaders(raw, notificationId(b), SECRET, nowSec) };
}

describe('product endpoint rules', () => {
  it('accepts https anywhere and http outside production only', () => {
    expect(endpointProblem('https://product.example.com/hook', true)).toBeUndefined();
    expect(endpointProblem('http://127.0.0.1:4000/hook', false)).toBeUndefined();
    expect(endpointProblem('http://product.example.com/hook', true)).toMatch(/https/);
  });

  it('refuses other schemes, credentials in the URL and non-URLs', () => {
    expect(endpointProblem('ftp://product.example.com/', false)).toMatch(/http/);
    expect(endpointProblem('https://user:pw@product.example.com/', false)).toMatch(/credentials/);
    expect(endpointProblem('not a url', false)).toMatch(/URL/);
  });

  it('wants a whsec_ secret with a key of at least 24 bytes', () => {
    expect(secretProblem(SECRET)).toBeUndefined();
    expect(secretProblem('plain-secret')).toMatch(/whsec_/);
    expect(secretProblem(`whsec_${Buffer.alloc(8).toString('base64')}`)).toMatch(/24 bytes/);
  });

  it("uses the connection's own URL and secret over the global ones, and none when disabled or unset", () => {
    const globals = { url: 'https://global.example.com/hook', secret: SECRET, production: true };
    const own = `whsec_${crypto.randomBytes(24).toString('base64')}`;
    const conn = (notifications: unknown, credentials: Record<string, string> = {}) => ({
      id: 'acme',
      credentials,
      rawSettings: { notifications },
    });
    expect(resolveEndpoint(conn(undefined), globals)).toEqual({ url: globals.url, secret: SECRET });
    expect(
      resolveEndpoint(conn({ url: 'https://own.example.com/hook' }, { notificationSecret: own }), globals),
    ).toEqual({ url: 'https://own.example.com/hook', secret: own });
    expect(resolveEndpoint(conn({ enabled: false }), globals)).toBeNull();
    expect(resolveEndpoint(conn(undefined), { production: false })).toBeNull();
    expect(() => resolveEndpoint(conn({ url: 'http://own.example.com/' }), globals)).toThrow(/https/);
  });
});

describe('a signed notification', () => {
  it('verifies with the standardwebhooks library (theirs) and with verifyNotification (ours, standalone)', () => {
    const b = body(null, ['c1.a', 'c1.b']);
    const { raw, headers } = signed(b, Math.floor(Date.now() / 1000));
    expect(new Webhook(SECRET).verify(raw.toString('utf8'), headers)).toEqual(b);
    expect(verifyNotification(headers, raw, SECRET)).toEqual(b);
    expect(verifyNotification(new Headers(headers), raw.toString('utf8'), SECRET)).toEqual(b);
  });

  it('carries one id per batch: the same cursors give the same id', () => {
    expect(notificationId(body(null, ['c1.a']))).toBe(notificationId(body(null, ['c1.a'])));
    expect(notificationId(body(null, ['c1.a']))).not.toBe(notificationId(body('c1.a', ['c1.b'])));
  });

  it('is refused when one byte, the secret or the time is off', () => {
    const b = body(null, ['c1.a']);
    const { raw, headers } = signed(b);
    const at = { nowSec: NOW_SEC };
    expect(verifyNotification(headers, raw, SECRET, at).nextCursor).toBe('c1.a');
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as NotificationVerificationError).code;
      }
      return 'accepted';
    };
    expect(code(() => verifyNotification(headers, Buffer.from(`${raw.toString()} `), SECRET, at))).toBe(
      'invalid_signature',
    );
    const other = `whsec_${crypto.randomBytes(32).toString('base64')}`;
    expect(code(() => verifyNotification(headers, raw, other, at))).toBe('invalid_signature');
    expect(code(() => verifyNotification(headers, raw, SECRET, { nowSec: NOW_SEC + 301 }))).toBe('stale_timestamp');
    const { 'webhook-signature': _dropped, ...unsigned } = headers;
    expect(code(() => verifyNotification(unsigned, raw, SECRET, at))).toBe('missing_headers');
  });
});

describe('consuming notifications as documented', () => {
  it('applies a chain once, ignores re-deliveries and counts a notification past its cursor as a gap', () => {
    const first = body(null, ['c1.a', 'c1.b']);
    const second = body('c1.b', ['c1.c']);
    const ahead = body('c1.x', ['c1.y']);
    expect(consume([first, first, second, first, ahead])).toEqual({
      applied: ['c1.a', 'c1.b', 'c1.c'],
      redeliveries: 2,
      gaps: 1,
      cursor: 'c1.c',
    });
  });
});
