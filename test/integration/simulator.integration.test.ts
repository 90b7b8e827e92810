import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature, type IncomingHeaders, type SignatureConfig } from '../../src/signatures';
import {
  startPartnerSimulator,
  WebhookSendError,
  WebhookSender,
  type JsonObject,
  type PartnerEvent,
  type PartnerSimulator,
} from '../../dev/simulator';

const API_KEY = 'test_api_key';
const SECRET = `whsec_${Buffer.from('simulator-integration-secret').toString('base64')}`;
const auth = { authorization: `Bearer ${API_KEY}` };

interface Received {
  headers: IncomingHeaders;
  rawBody: Buffer;
}

/** A local webhook endpoint that records each request's raw bytes and answers `status`. */
async function startReceiver(status = 200): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const app = express();
  app.post('/hooks', express.raw({ type: '*/*' }), (req, res) => {
    received.push({ headers: req.headers, rawBody: req.body as Buffer });
    res.status(status).send(status < 300 ? 'ok' : 'receiver failed');
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, server };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

let sim: PartnerSimulator;
beforeAll(async () => {
  sim = await startPartnerSimulator({ apiKey: API_KEY, eventIdPrefix: 'it' });
});
afterAll(() => sim.close());
afterEach(() => sim.faults.clear());

/** Upserts an object on the partner and returns the event announcing that change. */
function announce(id: string, data: JsonObject = {}): PartnerEvent {
  const change = sim.store.changeAt(sim.store.upsert('customer', id, data).version);
  if (!change) throw new Error(`no change recorded for ${id}`);
  return sim.events.fromChange(change);
}

const getObject = (type: string, id: string, headers: Record<string, string> = auth) =>
  fetch(`${sim.url}/api/objects/${type}/${id}`, { headers });

describe('partner API', () => {
  it('reports healthy without an api key', async () => {
    expect((await fetch(`${sim.url}/api/health`)).status).toBe(200);
  });

  it('returns a live object with its version, timestamp and data', async () => {
    const snapshot = sim.store.upsert('customer', 'live', { name: 'Ada' });
    const res = await getObject('customer', 'live');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      type: 'customer',
      id: 'live',
      version: snapshot.version,
      deleted: false,
      updatedAt: snapshot.updatedAt,
      data: { name: 'Ada' },
    });
  });

  it('answers 404 with the tombstone version for a deleted object', async () => {
    sim.store.upsert('customer', 'gone', {});
    const tombstone = sim.store.delete('customer', 'gone');
    const res = await getObject('customer', 'gone');
    expect([res.status, await res.json()]).toEqual([
      404,
      { error: 'not_found', deleted: true, version: tombstone.version },
    ]);
  });

  it('answers a plain 404 for an object that never existed', async () => {
    const res = await getObject('customer', 'never');
    expect([res.status, await res.json()]).toEqual([404, { error: 'not_found' }]);
  });

  it('rejects a missing or wrong api key with 401 and does not count it as a fetch', async () => {
    const before = sim.store.totalFetches;
    expect((await getObject('customer', 'live', {})).status).toBe(401);
    expect((await getObject('customer', 'live', { authorization: 'Bearer nope' })).status).toBe(401);
    expect(sim.store.totalFetches).toBe(before);
  });

  it('counts every authorised fetch per object', async () => {
    sim.store.upsert('customer', 'counted', {});
    await getObject('customer', 'counted');
    await getObject('customer', 'counted');
    expect(sim.store.fetchCount('customer', 'counted')).toBe(2);
  });

  it('fails the next two fetches with 503 and Retry-After, then serves the object', async () => {
    sim.store.upsert('customer', 'flaky', {});
    sim.faults.failNext({ type: 'customer', id: 'flaky' }, 2, { status: 503, retryAfterSec: 7 });
    const answers = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await getObject('customer', 'flaky');
      answers.push([res.status, res.headers.get('retry-after')]);
    }
    expect(answers).toEqual([
      [503, '7'],
      [503, '7'],
      [200, null],
    ]);
    expect(sim.store.fetchCount('customer', 'flaky')).toBe(3);
  });

  it('keeps failing an object marked always-failing until the plan is cleared', async () => {
    sim.store.upsert('customer', 'broken', {});
    sim.faults.failAlways({ type: 'customer', id: 'broken' }, { status: 500 });
    expect([(await getObject('customer', 'broken')).status, (await getObject('customer', 'broken')).status]).toEqual([
      500, 500,
    ]);
    sim.faults.clear({ type: 'customer', id: 'broken' });
    expect((await getObject('customer', 'broken')).status).toBe(200);
  });
});

describe('WebhookSender', () => {
  const configs: SignatureConfig[] = [
    { scheme: 'stripe' },
    { scheme: 'github' },
    { scheme: 'shopify' },
    { scheme: 'standard-webhooks' },
    { scheme: 'hmac', header: 'x-partner-signature', prefix: 'sha256=', timestampHeader: 'x-partner-timestamp' },
  ];

  it.each(configs)('posts a JSON event whose $scheme signature verifies over the raw body', async (signature) => {
    const receiver = await startReceiver();
    const event = announce('signed', { n: 1 });
    const result = await new WebhookSender({ targetUrl: receiver.url, signature, secret: SECRET }).deliver(event);
    await stop(receiver.server);
    expect(result).toEqual({ status: 200, body: 'ok' });
    const [got] = receiver.received;
    if (!got) throw new Error('receiver got nothing');
    expect(got.headers['content-type']).toBe('application/json');
    const nowSec = Math.floor(Date.now() / 1000);
    expect(() =>
      verifySignature(signature, { headers: got.headers, rawBody: got.rawBody, secrets: [SECRET], nowSec }),
    ).not.toThrow();
    expect(JSON.parse(got.rawBody.toString('utf8'))).toEqual(event);
  });

  it('resends a built delivery as a byte-identical duplicate with the same signature', async () => {
    const receiver = await startReceiver();
    const sender = new WebhookSender({
      targetUrl: receiver.url,
      signature: { scheme: 'standard-webhooks' },
      secret: SECRET,
    });
    const delivery = sender.build(announce('dup'));
    await sender.send(delivery);
    await sender.send(delivery);
    await stop(receiver.server);
    const [first, second] = receiver.received;
    expect(second?.rawBody.equals(first?.rawBody ?? Buffer.alloc(0))).toBe(true);
    expect(second?.headers['webhook-signature']).toBe(first?.headers['webhook-signature']);
    expect(second?.headers['webhook-id']).toBe(delivery.eventId);
  });

  it('returns a non-2xx answer instead of throwing, and throws WebhookSendError when nothing answers', async () => {
    const receiver = await startReceiver(500);
    const event = announce('rejected');
    const sender = new WebhookSender({ targetUrl: receiver.url, signature: { scheme: 'github' }, secret: SECRET });
    expect(await sender.deliver(event)).toEqual({ status: 500, body: 'receiver failed' });
    await stop(receiver.server);
    await expect(sender.deliver(event)).rejects.toBeInstanceOf(WebhookSendError);
  });
});
