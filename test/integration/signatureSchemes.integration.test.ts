// Each signature scheme end to end over HTTP: one connection per scheme; a
// valid delivery is accepted and processed into PostgreSQL, and each test of a
// rejection changes exactly one thing about that valid delivery. Deliveries
// signed by the providers' own libraries are the oracle where one exists.
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, PartnerEvent } from '../../dev/simulator';
import { WebhookSender } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures';
import { eventCount, record, waitForEventStatus } from '../support/events';
import { postRaw } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

const TEN_MINUTES_MS = 10 * 60 * 1000;
const standardSecret = () => `whsec_${crypto.randomBytes(24).toString('base64')}`;

interface SchemeCase {
  name: string;
  signature: SignatureConfig;
  secrets: [string, string];
  /** Header carrying the signature, as the sender spells it. */
  signatureHeader: string;
  timestamped: boolean;
}

const SCHEMES: SchemeCase[] = [
  {
    name: 'stripe',
    signature: { scheme: 'stripe' },
    secrets: ['whsec_stripe_one', 'whsec_stripe_two'],
    signatureHeader: 'Stripe-Signature',
    timestamped: true,
  },
  {
    name: 'github',
    signature: { scheme: 'github' },
    secrets: ['gh-secret-one', 'gh-secret-two'],
    signatureHeader: 'X-Hub-Signature-256',
    timestamped: false,
  },
  {
    name: 'shopify',
    signature: { scheme: 'shopify' },
    secrets: ['shpss_one', 'shpss_two'],
    signatureHeader: 'X-Shopify-Hmac-Sha256',
    timestamped: false,
  },
  {
    name: 'standard-webhooks',
    signature: { scheme: 'standard-webhooks' },
    secrets: [standardSecret(), standardSecret()],
    signatureHeader: 'webhook-signature',
    timestamped: true,
  },
  {
    name: 'hmac',
    signature: {
      scheme: 'hmac',
      header: 'X-Partner-Signature',
      prefix: 'sha256=',
      timestampHeader: 'X-Partner-Timestamp',
    },
    secrets: ['partner-one', 'partner-two'],
    signatureHeader: 'X-Partner-Signature',
    timestamped: true,
  },
];

let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem('schemes');
});
afterAll(async () => {
  await sys?.stop();
});

/** A new version of a real partner object, and the event announcing it. */
function freshChange(objectId: string, data: Record<string, number | string>): PartnerEvent {
  const snap = sys.partner.store.upsert('order', objectId, data);
  return sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
}

function without(headers: Readonly<Record<string, string>>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== name.toLowerCase()));
}

async function expectUnauthorized(
  conn: string,
  delivery: Pick<Delivery, 'headers' | 'rawBody'>,
  code: string,
): Promise<void> {
  const before = await eventCount(sys.rt.db, conn);
  const res = await postRaw(`${sys.api.url}/webhooks/${conn}`, {
    headers: { ...delivery.headers },
    body: delivery.rawBody,
  });
  expect({ status: res.status, body: res.json }).toEqual({ status: 401, body: { error: code } });
  expect(await eventCount(sys.rt.db, conn)).toBe(before);
}

async function expectProcessed(
  conn: string,
  event: PartnerEvent,
  objectId: string,
  data: Record<string, unknown>,
): Promise<void> {
  await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
  expect(await record(sys.rt.db, conn, 'order', objectId)).toMatchObject({
    version: BigInt(event.data.object.version),
    deleted: false,
    data,
  });
}

describe.each(SCHEMES)('$name signatures over HTTP', (scheme) => {
  const [secret, otherSecret] = scheme.secrets;
  let conn: string;
  const sender = (key = secret, clock?: () => number) =>
    new WebhookSender({
      targetUrl: `${sys.api.url}/webhooks/${conn}`,
      signature: scheme.signature,
      secret: key,
      clock,
    });

  beforeAll(async () => {
    conn = await sys.addConnection({ name: scheme.name, signature: scheme.signature, secrets: [secret] });
  });

  it('accepts a valid delivery and processes it into PostgreSQL', async () => {
    const objectId = `o-${scheme.name}-valid`;
    const event = freshChange(objectId, { total: 10 });
    const res = await sender().deliver(event);
    expect(res.status).toBe(202);
    await expectProcessed(conn, event, objectId, { total: 10 });
  });

  it('rejects a tampered body with invalid_signature', async () => {
    const delivery = sender().build(freshChange(`o-${scheme.name}-tampered`, { total: 10 }));
    const tampered = Buffer.from(delivery.rawBody.toString('utf8').replace('"total":10', '"total":99'), 'utf8');
    expect(tampered.equals(delivery.rawBody)).toBe(false);
    await expectUnauthorized(conn, { headers: delivery.headers, rawBody: tampered }, 'invalid_signature');
  });

  it('rejects a delivery signed with another secret with invalid_signature', async () => {
    const delivery = sender(otherSecret).build(freshChange(`o-${scheme.name}-wrong`, { total: 10 }));
    await expectUnauthorized(conn, delivery, 'invalid_signature');
  });

  if (scheme.timestamped) {
    it('rejects a delivery signed ten minutes ago with stale_timestamp', async () => {
      const delivery = sender(secret, () => Date.now() - TEN_MINUTES_MS).build(
        freshChange(`o-${scheme.name}-stale`, { total: 10 }),
      );
      await expectUnauthorized(conn, delivery, 'stale_timestamp');
    });
  }

  it('rejects a delivery without its signature header with missing_signature', async () => {
    const delivery = sender().build(freshChange(`o-${scheme.name}-unsigned`, { total: 10 }));
    await expectUnauthorized(
      conn,
      { headers: without(delivery.headers, scheme.signatureHeader), rawBody: delivery.rawBody },
      'missing_signature',
    );
  });

  it('accepts deliveries signed with either of two active secrets while a secret rotates', async () => {
    const rotating = await sys.addConnection({
      name: `${scheme.name}-rotating`,
      signature: scheme.signature,
      secrets: [secret, otherSecret],
    });
    for (const [i, key] of [secret, otherSecret].entries()) {
      const objectId = `o-${scheme.name}-rotation-${i}`;
      const event = freshChange(objectId, { total: i });
      const res = await sys.sender(rotating, scheme.signature, key).deliver(event);
      expect(res.status).toBe(202);
      await waitForEventStatus(sys.rt.db, rotating, event.id, 'processed');
      expect(await record(sys.rt.db, rotating, 'order', objectId)).toMatchObject({ data: { total: i } });
    }
  });
});

describe("deliveries signed by the provider's own library", () => {
  async function deliverSigned(
    name: string,
    signature: SignatureConfig,
    secret: string,
    sign: (body: string, event: PartnerEvent) => Promise<Record<string, string>>,
  ) {
    const conn = await sys.addConnection({ name: `oracle-${name}`, signature, secrets: [secret] });
    const objectId = `o-oracle-${name}`;
    const event = freshChange(objectId, { total: 5 });
    const body = JSON.stringify(event);
    const headers = { ...(await sign(body, event)), 'content-type': 'application/json' };
    const res = await postRaw(`${sys.api.url}/webhooks/${conn}`, { headers, body: Buffer.from(body, 'utf8') });
    expect(res.status).toBe(202);
    await expectProcessed(conn, event, objectId, { total: 5 });
  }

  it('accepts and processes a delivery signed by stripe generateTestHeaderString', async () => {
    const secret = 'whsec_oracle_stripe';
    await deliverSigned('stripe', { scheme: 'stripe' }, secret, async (payload) => ({
      'stripe-signature': new Stripe('sk_test_oracle').webhooks.generateTestHeaderString({ payload, secret }),
    }));
  });

  it('accepts and processes a delivery signed by the standardwebhooks reference library', async () => {
    const secret = standardSecret();
    await deliverSigned('standard-webhooks', { scheme: 'standard-webhooks' }, secret, async (payload, event) => {
      const at = new Date();
      return {
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(event.id, at, payload),
      };
    });
  });

  it('accepts and processes a delivery signed by @octokit/webhooks-methods', async () => {
    // ESM-only package, and tsconfig's node10 resolution cannot see its types: import by variable.
    const OCTOKIT_METHODS = '@octokit/webhooks-methods';
    const { sign } = (await import(OCTOKIT_METHODS)) as { sign(secret: string, payload: string): Promise<string> };
    const secret = 'gh-oracle-secret';
    await deliverSigned('github', { scheme: 'github' }, secret, async (payload, event) => ({
      'x-hub-signature-256': await sign(secret, payload),
      'x-github-delivery': event.id,
    }));
  });
});
