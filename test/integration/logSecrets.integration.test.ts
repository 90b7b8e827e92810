// The logs of a full run never hold a secret, a signature or a payload. One
// system (API + worker, every log line captured at debug level) receives valid
// and forged deliveries under two signature schemes, parks an event, and an
// operator replays it through the admin API. Then every value that must stay
// secret is searched for in everything that was logged: signing secrets, the
// forger's secret, every signature sent, the partner API key, the encryption
// key, the admin token, and a marker carried only inside payloads. The same
// run checks the correlation fields on webhook lines.
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log';
import { type Delivery, type PartnerEvent, WebhookSender } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { waitForEventStatus } from '../support/events';
import { PARTNER_API_KEY, startTestSystem, type TestSystem } from '../support/system';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const GITHUB: SignatureConfig = { scheme: 'github' };
const STRIPE_SECRET = `whsec_logscan_${crypto.randomBytes(12).toString('hex')}`;
const GITHUB_SECRET = `gh_logscan_${crypto.randomBytes(12).toString('hex')}`;
const FORGER_SECRET = `whsec_forger_${crypto.randomBytes(12).toString('hex')}`;
const ENCRYPTION_KEY = crypto.randomBytes(32).toString('base64');
const ADMIN_TOKEN = `admin_${crypto.randomBytes(16).toString('hex')}`;
const PAYLOAD_MARKER = `payload-marker-${crypto.randomBytes(8).toString('hex')}`;
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 3, scheduleMs: [50, 100] };

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length > 0),
    );
    done();
  },
});
/** Every signature value sent (the hex/base64 digests inside the signature headers). */
const signatures: string[] = [];
let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem(
    'log-scan',
    { LOG_LEVEL: 'debug', ENCRYPTION_KEY, ADMIN_TOKEN },
    { log: createLogger('debug', 'log-scan', capture) },
  );
});
afterAll(async () => {
  await sys?.stop();
});

function announce(id: string): PartnerEvent {
  const snap = sys.partner.store.upsert('order', id, { note: PAYLOAD_MARKER });
  return sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
}

async function send(
  sender: WebhookSender,
  event: PartnerEvent,
  requestId: string,
): Promise<{ status: number; delivery: Delivery }> {
  const delivery = sender.build(event);
  const digests = Object.entries(delivery.headers)
    .filter(([name]) => /signature/i.test(name))
    .flatMap(([, value]) => String(value).match(/[0-9a-f]{64}|[A-Za-z0-9+/]{40,}={0,2}/g) ?? []);
  signatures.push(...digests);
  const res = await fetch(`${senderUrl(sender)}`, {
    method: 'POST',
    headers: { ...delivery.headers, 'X-Request-Id': requestId },
    body: new Uint8Array(delivery.rawBody),
  });
  return { status: res.status, delivery };
}

const targets = new WeakMap<WebhookSender, string>();
function sender(conn: string, signature: SignatureConfig, secret: string): WebhookSender {
  const url = `${sys.api.url}/webhooks/${conn}`;
  const s = new WebhookSender({ targetUrl: url, signature, secret });
  targets.set(s, url);
  return s;
}
const senderUrl = (s: WebhookSender) => targets.get(s)!;

describe('logs of a full run', () => {
  it('never contain a secret, a signature or a payload, and correlate webhook lines by request, connection and event', async () => {
    const stripeConn = await sys.addConnection({
      name: 'stripe',
      signature: STRIPE,
      secrets: [STRIPE_SECRET],
      settings: { retry: FAST_RETRY },
    });
    const githubConn = await sys.addConnection({
      name: 'github',
      signature: GITHUB,
      secrets: [GITHUB_SECRET],
      settings: { retry: FAST_RETRY },
    });

    const valid = await send(sender(stripeConn, STRIPE, STRIPE_SECRET), announce('l-1'), 'req-valid-1');
    expect(valid.status).toBe(202);
    expect((await send(sender(githubConn, GITHUB, GITHUB_SECRET), announce('l-2'), 'req-valid-2')).status).toBe(202);
    expect((await send(sender(stripeConn, STRIPE, FORGER_SECRET), announce('l-3'), 'req-forged-1')).status).toBe(401);
    expect((await send(sender(githubConn, GITHUB, FORGER_SECRET), announce('l-4'), 'req-forged-2')).status).toBe(401);
    await waitForEventStatus(sys.rt.db, stripeConn, valid.delivery.eventId, 'processed');

    sys.partner.faults.failAlways({ type: 'order', id: 'l-5' }, { status: 403 });
    const parked = await send(sender(stripeConn, STRIPE, STRIPE_SECRET), announce('l-5'), 'req-parked');
    expect(parked.status).toBe(202);
    await waitForEventStatus(sys.rt.db, stripeConn, parked.delivery.eventId, 'parked');
    sys.partner.faults.clear({ type: 'order', id: 'l-5' });
    const replay = await fetch(`${sys.api.opsUrl}/admin/events/${stripeConn}/${parked.delivery.eventId}/replay`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${ADMIN_TOKEN}`,
        'Content-Type': 'application/json',
        'X-Request-Id': 'req-replay',
      },
      body: JSON.stringify({ by: 'log-scan', reason: 'partner fixed' }),
    });
    expect(replay.status).toBe(200);
    await waitForEventStatus(sys.rt.db, stripeConn, parked.delivery.eventId, 'processed');

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // Not vacuous: the run was logged, including the SDK's own lines and the worker's.
    expect(parsed.filter((l) => l.event === 'temporal.log').length).toBeGreaterThan(0);
    expect(signatures.length).toBeGreaterThanOrEqual(5);

    const secrets: Record<string, string> = {
      STRIPE_SECRET,
      GITHUB_SECRET,
      FORGER_SECRET,
      ENCRYPTION_KEY,
      ADMIN_TOKEN,
      PARTNER_API_KEY,
      PAYLOAD_MARKER,
      ...Object.fromEntries(signatures.map((s, i) => [`signature ${i}`, s])),
    };
    const all = lines.join('\n');
    const found = Object.entries(secrets)
      .filter(([, value]) => all.includes(value))
      .map(([name]) => name);
    expect(found).toEqual([]);

    const accepted = parsed.find((l) => l.event === 'webhook.accepted' && l.requestId === 'req-valid-1');
    expect(accepted).toMatchObject({ connectionId: stripeConn, eventId: valid.delivery.eventId });
    const forged = parsed.find((l) => l.event === 'http.rejected' && l.requestId === 'req-forged-1');
    expect(forged).toMatchObject({ connectionId: stripeConn, status: 401, code: 'invalid_signature' });
  });
});
