// Partner fetches cannot be steered by what the partner (or an event) says
// (issue 16 §2.5-7), against real node:http servers on two origins:
// - a redirect to another origin is not followed, so a templated credential
//   (x-api-key) never reaches that origin; the event parks as a permanent 3xx;
// - a same-origin redirect is followed with the same headers;
// - an object id of `.` or `..` cannot walk out of the fetch URL template;
// - versions outside 0..2^53-1 are malformed: 400 at the receiver, a
//   non-retried park when a fetched answer carries one.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerEvent } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { eventRow, waitForEventStatus } from '../support/events';
import { startTestSystem, type TestSystem } from '../support/system';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_fetch_safety_secret';
const API_KEY = 'sim_test_key';

interface Seen {
  path: string;
  apiKey: string | undefined;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', apiKey: req.headers['x-api-key'] as string | undefined });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const json = (res: http.ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

let sys: TestSystem;
let elsewhere: Awaited<ReturnType<typeof serve>>;
let partner: Awaited<ReturnType<typeof serve>>;
let conn: string;

beforeAll(async () => {
  sys = await startTestSystem('fetch-safety');
  // Another origin (another port): it must never see a request carrying the key.
  elsewhere = await serve((_req, res) => json(res, 200, { version: 9, data: { stolen: true } }));
  partner = await serve((req, res) => {
    const path = req.url ?? '';
    if (path === '/api/objects/order/cross') return res.writeHead(302, { location: `${elsewhere.url}/steal` }).end();
    if (path === '/api/objects/order/same') return res.writeHead(307, { location: '/v2/objects/order/same' }).end();
    if (path === '/v2/objects/order/same') {
      if (req.headers['x-api-key'] !== API_KEY) return json(res, 401, { error: 'unauthorized' });
      return json(res, 200, { version: 3, data: { moved: true } });
    }
    if (path === '/api/objects/order/huge') return json(res, 200, { version: 1e21, data: {} });
    return json(res, 404, { error: 'not_found' });
  });
  conn = await sys.addConnection({
    name: 'keyed',
    signature: STRIPE,
    secrets: [SECRET],
    apiBaseUrl: partner.url,
    settings: { fetch: { headers: { 'x-api-key': '{credentials.apiKey}' } } },
  });
});
afterAll(async () => {
  await sys?.stop();
  await partner?.close();
  await elsewhere?.close();
});

let n = 0;
function change(objectId: string, version: number): PartnerEvent {
  return {
    id: `evt_fs_${++n}_${Date.now()}`,
    type: 'order.updated',
    created: 0,
    data: { object: { type: 'order', id: objectId, version, deleted: false } },
  };
}

async function deliver(event: PartnerEvent): Promise<number> {
  return (await sys.sender(conn, STRIPE, SECRET).deliver(event)).status;
}

describe('partner fetch safety', () => {
  it('does not follow a redirect to another origin: the key never leaves, the event parks once as a permanent 3xx', async () => {
    const event = change('cross', 1);
    expect(await deliver(event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    expect(row.lastError).toMatch(/302.*another origin/);
    expect(row.attempts).toBe(1);
    expect(elsewhere.seen).toEqual([]);
    expect(partner.seen.filter((s) => s.path === '/api/objects/order/cross')).toEqual([
      { path: '/api/objects/order/cross', apiKey: API_KEY },
    ]);
  });

  it('follows a same-origin redirect with the same headers', async () => {
    const event = change('same', 3);
    expect(await deliver(event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(row.outcome).toBe('applied');
    expect(partner.seen.filter((s) => s.path === '/v2/objects/order/same')).toEqual([
      { path: '/v2/objects/order/same', apiKey: API_KEY },
    ]);
  });

  it('refuses an object id that is a dot segment before any request', async () => {
    for (const id of ['..', '.']) {
      const event = change(id, 1);
      expect(await deliver(event)).toBe(202);
      const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
      expect(row.lastError).toMatch(/dot segment/);
      expect(row.attempts).toBe(1);
    }
    // Unguarded, `/api/objects/order/..` reaches the partner as `/api/objects` (the client normalises it).
    expect(
      partner.seen.map((s) => s.path).filter((p) => !p.startsWith('/api/objects/order/') && !p.startsWith('/v2/')),
    ).toEqual([]);
    expect(partner.seen.filter((s) => s.path.endsWith('/order/..') || s.path.endsWith('/order/.'))).toEqual([]);
  });

  it('answers 400 malformed_body to a delivery whose version is out of range, and records nothing', async () => {
    for (const version of [2 ** 53 + 2, 1e21, -1, 9.3e18]) {
      const event = change('ranged', version);
      expect({ version, status: await deliver(event) }).toEqual({ version, status: 400 });
      expect(await eventRow(sys.rt.db, conn, event.id)).toBeNull();
    }
  });

  it('parks without retrying when the partner answers a version out of range', async () => {
    const event = change('huge', 1);
    expect(await deliver(event)).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    expect(row.lastError).toMatch(/version/);
    expect(row.attempts).toBe(1);
    expect(partner.seen.filter((s) => s.path === '/api/objects/order/huge')).toHaveLength(1);
  });
});
