// The generic `rest` connector grown to the long tail (issue 14 point 5), end to
// end on the real Temporal dev server and PostgreSQL: delivery values from
// headers and constants, a type -> URL-segment map, and versionless answers
// (fetches and change-list items versioned by when their request started).
//
// What each check runs against:
//  - the two cases issue 14 measured `rest` failing on: a real `issues.opened`
//    payload from @octokit/webhooks-examples signed with @octokit/webhooks-methods
//    (answered 400 before), and a Stripe `customer.updated` whose customer is
//    fetched from stripe-mock, Stripe's official API mock (parked as "no version
//    or data" before, and a `created` version never moved);
//  - a long-tail partner of our own (a node:http server in this file: tickets with
//    no version, event name and id in headers, a cursor change list), for what
//    neither artifact shows: headers and constants together, and versionless
//    change-list items in a reconciliation run.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import examples from '@octokit/webhooks-examples';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ReconcileResult } from '../../src/contracts/reconcileContract';
import { findStripeMock, startStripeMock, type StripeMock } from '../../dev/support/stripeMock';
import { record, waitForEventStatus } from '../support/events';
import { reconcileService } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';

interface OctokitMethods {
  sign(secret: string, payload: string): Promise<string>;
}
const OCTOKIT_METHODS = '@octokit/webhooks-methods';
const signGithub = async (secret: string, payload: string) =>
  ((await import(OCTOKIT_METHODS)) as OctokitMethods).sign(secret, payload);

const SECRET = 'long-tail-secret';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 4, scheduleMs: [50, 100, 200] };
type Obj = Record<string, unknown>;

let sys: TestSystem;
let mock: StripeMock;
let tail: Awaited<ReturnType<typeof startLongTailPartner>>;

/**
 * A partner with no versions anywhere: GET /api/v2/tickets/<id> answers the ticket itself, and
 * /api/v2/changes pages its change log (cursor = position in the log) with no version on an item.
 */
async function startLongTailPartner(token: string) {
  const tickets = new Map<string, Obj>();
  const log: Obj[] = [];
  const seen: string[] = [];
  const set = (id: number, ticket: Obj) => {
    tickets.set(String(id), ticket);
    log.push({ kind: 'ticket', key: String(id), ticket });
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Token ${token}`) return send(401, { error: 'unauthorized' });
    const one = /^\/api\/v2\/tickets\/(\w+)$/.exec(url.pathname);
    if (one) {
      const t = tickets.get(one[1]!);
      return t ? send(200, t) : send(404, { error: 'not found' });
    }
    if (url.pathname === '/api/v2/changes') {
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const page = log.slice(from, from + Number(url.searchParams.get('limit') ?? 100));
      const next = from + page.length;
      return send(200, { items: page, next: String(next), more: next < log.length });
    }
    send(404, { error: 'no route' });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tickets,
    set,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

beforeAll(async () => {
  const binary = findStripeMock(path.resolve(__dirname, '../..'));
  if (!binary) throw new Error('stripe-mock is missing: run scripts/ensure-stripe-mock.sh');
  mock = await startStripeMock(binary);
  tail = await startLongTailPartner('tail-token');
  sys = await startTestSystem('resttail');
});
afterAll(async () => {
  await sys?.stop();
  await mock?.stop();
  await tail?.close();
});

async function restConnection(name: string, apiBaseUrl: string, credentials: Obj, settings: Obj): Promise<string> {
  const id = `${sys.prefix}-${name}`;
  await sys.rt.connections.upsert({
    id,
    connector: 'rest',
    enabled: true,
    apiBaseUrl,
    signingSecrets: [SECRET],
    credentials: credentials as Record<string, string>,
    settings: { retry: FAST_RETRY, ...settings },
  });
  return id;
}

async function post(connectionId: string, raw: string, headers: Record<string, string>) {
  const res = await fetch(`${sys.api.url}/webhooks/${connectionId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

describe('rest connector: the cases issue 14 measured failing', () => {
  it('syncs a real issues.opened delivery: event type from X-GitHub-Event, object type a constant', async () => {
    const conn = await restConnection(
      'github-shaped',
      'http://127.0.0.1:9',
      {},
      {
        signature: { scheme: 'github' },
        trustPayload: true,
        delivery: {
          eventTypePath: 'header:X-GitHub-Event',
          objectTypePath: 'const:issue',
          objectIdPath: 'issue.id',
          objectVersionPath: 'issue.updated_at',
          objectDataPath: 'issue',
        },
      },
    );
    const example = (examples as unknown as Array<{ name: string; examples: Obj[] }>)
      .find((e) => e.name === 'issues')!
      .examples.find((x) => x.action === 'opened')!;
    const raw = JSON.stringify(example);
    const deliveryId = crypto.randomUUID();
    const sent = await post(conn, raw, {
      'x-github-event': 'issues',
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': await signGithub(SECRET, raw),
    });
    expect(sent.status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, deliveryId, 'processed');
    const issue = example.issue as Obj;
    expect(row).toMatchObject({ eventType: 'issues', objectType: 'issue', objectId: String(issue.id) });
    expect(await record(sys.rt.db, conn, 'issue', String(issue.id))).toMatchObject({
      version: BigInt(Date.parse(issue.updated_at as string)),
      data: { number: issue.number, title: issue.title },
    });
  });

  it('syncs a Stripe customer from stripe-mock with no version (fetch start) and a type -> segment map, twice', async () => {
    const conn = await restConnection(
      'stripe-shaped',
      mock.url,
      { apiKey: 'sk_test_longtail' },
      {
        signature: { scheme: 'stripe' },
        delivery: { objectTypePath: 'data.object.object', deleteEventTypes: ['*.deleted'] },
        fetch: {
          urlTemplate: '{baseUrl}/v1/{objectType}/{objectId}',
          typeSegments: { customer: 'customers' },
          versionPath: null,
          dataPath: '',
        },
      },
    );
    const customer = (await (
      await fetch(`${mock.url}/v1/customers/cus_longtail`, { headers: { authorization: 'Bearer sk_test_longtail' } })
    ).json()) as Obj;
    const deliver = async (n: number) => {
      const event = { id: `evt_longtail_${sys.prefix}_${n}`, object: 'event', type: 'customer.updated' };
      const raw = JSON.stringify({ ...event, data: { object: customer } });
      const sent = await post(conn, raw, {
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: raw, secret: SECRET }),
      });
      expect(sent.status).toBe(202);
      return waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    };
    expect((await deliver(1)).outcome).toBe('applied');
    const first = await record(sys.rt.db, conn, 'customer', 'cus_longtail');
    expect(first?.data).toEqual(customer);
    // stripe-mock answers the same fixture again: the version still moves (the later fetch started later), nothing is written.
    expect((await deliver(2)).outcome).toBe('unchanged');
    const second = await record(sys.rt.db, conn, 'customer', 'cus_longtail');
    expect(second!.version).toBeGreaterThan(first!.version);
    expect(second!.writeCount).toBe(1);
  });
});

describe('rest connector: a long-tail partner with no versions', () => {
  const signature = { scheme: 'hmac', header: 'X-Tail-Signature' } as const;
  const sign = (raw: string) => crypto.createHmac('sha256', SECRET).update(raw).digest('hex');
  const settings = {
    signature,
    delivery: {
      eventIdPath: 'header:X-Tail-Event-Id',
      eventTypePath: 'header:X-Tail-Event',
      objectTypePath: 'const:ticket',
      objectIdPath: 'ticket.id',
      deleteEventTypes: ['ticket.deleted'],
    },
    fetch: {
      urlTemplate: '{baseUrl}/api/v2/{objectType}/{objectId}',
      typeSegments: { ticket: 'tickets' },
      headers: { authorization: 'Token {credentials.apiKey}' },
      versionPath: null,
      dataPath: '',
    },
    changes: {
      style: 'cursor',
      urlTemplate: '{baseUrl}/api/v2/changes',
      itemsPath: 'items',
      nextCursorPath: 'next',
      hasMorePath: 'more',
      item: { typePath: 'kind', idPath: 'key', versionPath: null, dataPath: 'ticket' },
    },
    reconcile: { pageSize: 2, fullDiff: { enabled: false } },
  };

  async function deliver(conn: string, eventType: string, ticketId: number) {
    const eventId = crypto.randomUUID();
    // The signature covers the body only, so two deliveries with one body are one delivery replayed
    // (src/ingest/replayGuard.ts): like a real partner's, each body differs (here by its timestamp).
    const raw = JSON.stringify({ ticket: { id: ticketId }, sent_at: `${new Date().toISOString()} ${eventId}` });
    const sent = await post(conn, raw, {
      'x-tail-signature': sign(raw),
      'x-tail-event-id': eventId,
      'x-tail-event': eventType,
    });
    return { ...sent, eventId };
  }

  it('reads event id and type from headers and the type from a constant, fetches /tickets/<id>, and tombstones a delete', async () => {
    const conn = await restConnection('tail-webhook', tail.url, { apiKey: 'tail-token' }, settings);
    tail.set(42, { id: 42, subject: 'printer on fire' });
    const opened = await deliver(conn, 'ticket.created', 42);
    expect(opened.status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, opened.eventId, 'processed');
    expect(row).toMatchObject({
      eventType: 'ticket.created',
      objectType: 'ticket',
      objectId: '42',
      outcome: 'applied',
    });
    expect(tail.seen).toContain('/api/v2/tickets/42');
    const rec = await record(sys.rt.db, conn, 'ticket', '42');
    expect(rec).toMatchObject({ deleted: false, data: { subject: 'printer on fire' } });

    tail.tickets.delete('42');
    const deleted = await deliver(conn, 'ticket.deleted', 42);
    expect((await waitForEventStatus(sys.rt.db, conn, deleted.eventId, 'processed')).outcome).toBe('tombstoned');
    const gone = await record(sys.rt.db, conn, 'ticket', '42');
    expect(gone?.deleted).toBe(true);
    expect(gone!.version).toBeGreaterThan(rec!.version);
  });

  it('refuses a delivery without the header its event type comes from (400 malformed_body)', async () => {
    const conn = await restConnection('tail-malformed', tail.url, { apiKey: 'tail-token' }, settings);
    const raw = JSON.stringify({ ticket: { id: 7 } });
    const sent = await post(conn, raw, { 'x-tail-signature': sign(raw), 'x-tail-event-id': crypto.randomUUID() });
    expect(sent).toMatchObject({ status: 400, body: { error: 'malformed_body' } });
  });

  it('reconciles versionless change-list items, each versioned by its page’s fetch start; a second run writes only what changed', async () => {
    // A partner of its own: the other tests' tickets would be in its change log.
    const partner = await startLongTailPartner('tail-token');
    onTestFinished(() => partner.close());
    const conn = await restConnection('tail-reconcile', partner.url, { apiKey: 'tail-token' }, settings);
    for (const id of [100, 101, 102]) partner.set(id, { id, subject: `ticket ${id}` });
    const run = async () =>
      (await (await reconcileService(sys).runNow(conn, 'incremental')).result()) as ReconcileResult;
    const first = await run();
    expect(first).toMatchObject({ status: 'succeeded', recordsChanged: 3 });
    const records = await sys.rt.db.syncRecord.findMany({
      where: { connectionId: conn },
      orderBy: { objectId: 'asc' },
    });
    expect(records.map((r) => [r.objectId, (r.data as Obj).subject])).toEqual([
      ['100', 'ticket 100'],
      ['101', 'ticket 101'],
      ['102', 'ticket 102'],
    ]);
    // Two pages of 2: the items of one page share its start, and the second page started later.
    expect(records[0]!.version).toBe(records[1]!.version);
    expect(records[2]!.version).toBeGreaterThan(records[1]!.version);

    partner.set(101, { id: 101, subject: 'ticket 101, edited' });
    const second = await run();
    expect(second).toMatchObject({ status: 'succeeded' });
    expect(await record(sys.rt.db, conn, 'ticket', '101')).toMatchObject({
      writeCount: 2,
      data: { subject: 'ticket 101, edited' },
    });
    expect(await record(sys.rt.db, conn, 'ticket', '100')).toMatchObject({ writeCount: 1 });
  });
});
