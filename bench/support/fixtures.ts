// A bench connection (rest connector, Standard Webhooks signatures, pointed at
// the run's partner simulator) and pre-signed unique deliveries for it. Signing
// happens before the clock starts; each delivery is a distinct partner event of
// a distinct object, so every one is a new workflow and a new row.
import crypto from 'node:crypto';
import type { ProcessEventInput } from '../../src/contracts/processEventContract';
import { DEFAULT_PARTNER_RETRY } from '../../src/contracts/processEventContract';
import { EventFactory, WebhookSender, type Delivery } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { type BenchEnv, PARTNER_API_KEY } from './env';

export const SIGNATURE: SignatureConfig = { scheme: 'standard-webhooks' };
export const SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;

export async function addConnection(
  env: BenchEnv,
  id: string,
  settings: Record<string, unknown> = {},
  partnerUrl = env.partner.url,
): Promise<string> {
  await env.rt.connections.upsert({
    id,
    connector: 'rest',
    enabled: true,
    apiBaseUrl: partnerUrl,
    signingSecrets: [SECRET],
    credentials: { apiKey: PARTNER_API_KEY },
    settings: { signature: SIGNATURE, ...settings },
  });
  return id;
}

/** n new partner objects (so fetches find them) and one signed "created" delivery each. */
export function makeDeliveries(env: BenchEnv, targetUrl: string, n: number, tag: string): Delivery[] {
  const sender = new WebhookSender({ targetUrl, signature: SIGNATURE, secret: SECRET });
  const factory = new EventFactory({ idPrefix: `${tag}${crypto.randomBytes(3).toString('hex')}` });
  const out: Delivery[] = [];
  for (let i = 0; i < n; i++) {
    const obj = env.partner.store.upsert('customer', `${tag}-${i}`, {
      name: `Customer ${i}`,
      email: `c${i}@example.test`,
      plan: 'pro',
    });
    const change = env.partner.store.changeAt(obj.version);
    if (!change) throw new Error('change log out of step');
    out.push(sender.build(factory.fromChange(change)));
  }
  return out;
}

/** The workflow input the receiver builds for a delivery (for raw starts with no HTTP). */
export function rawInput(connectionId: string, i: number, tag: string): ProcessEventInput {
  return {
    eventId: `evt_${tag}_${i}`,
    eventType: 'customer.created',
    objectType: 'customer',
    objectId: `${tag}-${i}`,
    objectVersion: i + 1,
    eventRowId: null,
    receivedAtMs: Date.now(),
    payloadBytes: 400,
    connectionId,
    connector: 'rest',
    trustPayload: false,
    inlinePayload: null,
    retry: DEFAULT_PARTNER_RETRY,
    fetchTimeoutMs: 15_000,
  };
}
