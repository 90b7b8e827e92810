// The admin HTTP API as an operator's script would use it: over real HTTP, in
// front of the real worker, Temporal dev server and PostgreSQL. First who may
// talk to it (bearer token, constant-time compare, off without ADMIN_TOKEN),
// then what it does to parked events.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerEvent } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { eventRow, waitForEventStatus } from '../support/events';
import { startTestSystem, TEST_UI_URL, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'gh-admin-api-secret';
const TOKEN = `adm_${crypto.randomBytes(16).toString('hex')}`;

interface Answer {
  status: number;
  headers: Headers;
  // The API's JSON, loosely typed: each test asserts the shape it relies on.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

let sys: TestSystem;
let off: TestSystem;

beforeAll(async () => {
  [sys, off] = await Promise.all([
    startTestSystem('admin', { ADMIN_TOKEN: TOKEN }),
    startTestSystem('admin-off', {}, { inProcessWorker: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([sys?.stop(), off?.stop()]);
});

/** `auth`: the Authorization header; default the right bearer token, null for none. `raw`: a body sent as-is. */
async function call(
  base: string,
  path: string,
  opts: { auth?: string | null; body?: unknown; raw?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const auth = opts.auth === undefined ? `Bearer ${TOKEN}` : opts.auth;
  if (auth !== null) headers.authorization = auth;
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const admin = (path: string, opts?: Parameters<typeof call>[2]) => call(sys.api.opsUrl, path, opts);
const eventPath = (conn: string, eventId: string) =>
  `/admin/events/${encodeURIComponent(conn)}/${encodeURIComponent(eventId)}`;

async function connection(name: string): Promise<string> {
  return sys.addConnection({ name, signature: SIG, secrets: [SECRET] });
}

async function deliverChange(conn: string, type: string, id: string): Promise<PartnerEvent> {
  const snap = sys.partner.store.upsert(type, id, { total: 1 });
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
  expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
  return event;
}

/** An event the partner refuses for good (403), once its workflow waits for an operator. */
async function parkedEvent(conn: string, type: string, id: string): Promise<PartnerEvent> {
  sys.partner.faults.failAlways({ type, id }, { status: 403 });
  const event = await deliverChange(conn, type, id);
  await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
  await waitFor(
    `the workflow of ${event.id} to wait for an operator`,
    async () => (await admin(eventPath(conn, event.id))).body?.workflow?.state?.status === 'parked',
  );
  return event;
}

describe('admin API access', () => {
  it('answers a request without a token with 401 and a Bearer challenge', async () => {
    const res = await admin('/admin/events', { auth: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body).toEqual({ error: 'unauthorized' });
  });

  it('answers a wrong token, a token of another length and another scheme with 401', async () => {
    const sameLength = TOKEN.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const answers = await Promise.all([
      admin('/admin/events', { auth: `Bearer ${sameLength}` }),
      admin('/admin/events', { auth: `Bearer ${TOKEN}x` }),
      admin('/admin/events', { auth: 'Bearer short' }),
      admin('/admin/events', { auth: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }),
      admin('/admin/events', { auth: `Token ${TOKEN}` }),
    ]);
    for (const res of answers)
      expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: { error: 'unauthorized' } });
  });

  it('has no admin API at all when ADMIN_TOKEN is unset, whatever the token', async () => {
    const [bare, withToken, action] = await Promise.all([
      call(off.api.opsUrl, '/admin/events', { auth: null }),
      call(off.api.opsUrl, '/admin/events'),
      call(off.api.opsUrl, '/admin/events/c/e/replay', { body: {} }),
    ]);
    for (const res of [bare, withToken, action])
      expect({ status: res.status, body: res.body }).toEqual({ status: 404, body: { error: 'not_found' } });
  });

  it('keeps the webhook endpoint open to signed deliveries without an Authorization header', async () => {
    const conn = await connection('webhook-open');
    const event = await deliverChange(conn, 'order', 'open-1');
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
  });
});

describe('admin API actions', () => {
  it('lists events by status and shows a parked one with its history summary, state and Web UI link', async () => {
    const conn = await connection('show');
    const event = await parkedEvent(conn, 'order', 'sh-1');

    const listed = await admin(`/admin/events?connection=${encodeURIComponent(conn)}&status=parked`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([expect.objectContaining({ eventId: event.id, status: 'parked', attempts: 1 })]);
    expect((await admin(`/admin/events?connection=${encodeURIComponent(conn)}&status=processed`)).body).toEqual([]);

    const shown = await admin(eventPath(conn, event.id));
    expect(shown.status).toBe(200);
    const row = await eventRow(sys.rt.db, conn, event.id);
    expect(shown.body.event).toMatchObject({
      eventId: event.id,
      status: 'parked',
      attempts: 1,
      workflowId: row!.workflowId,
    });
    expect(shown.body.event.lastError).toContain('403');
    expect(shown.body.event).not.toHaveProperty('payload');
    expect(shown.body.link).toBe(`${TEST_UI_URL}/namespaces/default/workflows/${encodeURIComponent(row!.workflowId)}`);
    expect(shown.body.workflow).toMatchObject({ status: 'RUNNING', state: { status: 'parked', runs: 1, actions: [] } });
    expect(shown.body.workflow.state.lastError).toContain('403');
    expect(shown.body.workflow.history).toMatchObject({ activities: { fetchAndFinish: 1 }, lastActivityAttempt: 1 });
    expect(shown.body.workflow.history.lastFailure).toContain('403');
    expect(shown.body.actions).toEqual([]);
  });

  it('replays a parked event once the partner recovers and answers with the typed result', async () => {
    const conn = await connection('replay');
    const event = await parkedEvent(conn, 'order', 'rp-1');
    sys.partner.faults.clear({ type: 'order', id: 'rp-1' });

    const res = await admin(`${eventPath(conn, event.id)}/replay`, {
      body: { by: 'alice', reason: 'partner fixed permissions' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ action: 'replay', status: 'processed' });
    expect(await eventRow(sys.rt.db, conn, event.id)).toMatchObject({ status: 'processed', outcome: 'applied' });
    const actions = await sys.rt.db.operatorAction.findMany({ where: { connectionId: conn } });
    expect(actions).toMatchObject([
      { action: 'replay', actor: 'alice', reason: 'partner fixed permissions', result: 'replaying' },
    ]);

    const again = await admin(`${eventPath(conn, event.id)}/replay`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'action_rejected' });
  });

  it('answers a replay with wait: false once it has begun, while the partner still fails', async () => {
    const conn = await sys.addConnection({
      name: 'no-wait',
      signature: SIG,
      secrets: [SECRET],
      settings: { retry: { scheduleMs: [10_000], maximumAttempts: 3 } },
    });
    const event = await parkedEvent(conn, 'order', 'nw-1');
    sys.partner.faults.failAlways({ type: 'order', id: 'nw-1' }, { status: 503 });

    const res = await admin(`${eventPath(conn, event.id)}/replay`, { body: { wait: false } });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      action: 'replay',
      status: 'replaying',
      lastError: expect.stringContaining('403'),
    });
    // The workflow records the action (a local activity) and then shows the replay; its retry waits 10 s.
    await waitFor(
      'the workflow to show the replay',
      async () => (await admin(eventPath(conn, event.id))).body?.workflow?.state?.status === 'replaying',
    );
    sys.partner.faults.clear({ type: 'order', id: 'nw-1' });
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed', 30_000);
    expect((await admin(`${eventPath(conn, event.id)}/replay`, { body: { wait: 'no' } })).status).toBe(400);
  });

  it('refuses to skip without a reason, and skips with one, recording who and why', async () => {
    const conn = await connection('skip');
    const event = await parkedEvent(conn, 'order', 'sk-1');

    const refused = await admin(`${eventPath(conn, event.id)}/skip`, { body: { by: 'bob' } });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'action_rejected', message: expect.stringMatching(/reason is required/) });
    expect((await eventRow(sys.rt.db, conn, event.id))?.status).toBe('parked');

    const res = await admin(`${eventPath(conn, event.id)}/skip`, { body: { reason: 'test object, never existed' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ action: 'skip', status: 'skipped' });
    expect(await eventRow(sys.rt.db, conn, event.id)).toMatchObject({
      status: 'skipped',
      resolution: 'test object, never existed',
    });
    const actions = await sys.rt.db.operatorAction.findMany({ where: { connectionId: conn } });
    expect(actions).toMatchObject([
      { action: 'skip', actor: 'admin-api', reason: 'test object, never existed', result: 'skipped' },
    ]);
  });

  it('counts matching parked events in a dry run without touching them, then bulk-replays them', async () => {
    const conn = await connection('bulk');
    const ids = ['bk-1', 'bk-2', 'bk-3'];
    const events: PartnerEvent[] = [];
    for (const id of ids) events.push(await parkedEvent(conn, 'invoice', id));
    const filter = { connectionId: conn, eventType: 'invoice.created' };

    const dry = await waitFor('visibility to list all three', async () => {
      const r = await admin('/admin/events/bulk', { body: { action: 'replay', dryRun: true, filter } });
      return r.body?.matched === 3 ? r : undefined;
    });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ matched: 3, acted: 0, failed: 0, dryRun: true });
    expect(dry.body.query).toContain(`SynclineConnection = "${conn}"`);
    for (const e of events) expect((await eventRow(sys.rt.db, conn, e.id))?.status).toBe('parked');
    expect(await sys.rt.db.operatorAction.count({ where: { connectionId: conn } })).toBe(0);

    for (const id of ids) sys.partner.faults.clear({ type: 'invoice', id });
    const done = await admin('/admin/events/bulk', {
      body: { action: 'replay', dryRun: false, filter, by: 'carol', reason: 'partner outage over' },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ matched: 3, acted: 3, failed: 0, dryRun: false });
    for (const e of events) await waitForEventStatus(sys.rt.db, conn, e.id, 'processed');
    const actors = await sys.rt.db.operatorAction.findMany({
      where: { connectionId: conn },
      select: { action: true, actor: true },
    });
    expect(actors).toEqual(ids.map(() => ({ action: 'replay', actor: 'carol' })));
  });

  it('bulk-skips every matching parked event for real, recording who and why on each, and leaves other connections alone', async () => {
    const conn = await connection('bulkskip');
    const other = await connection('bulkskip-other');
    const ids = ['bs-1', 'bs-2'];
    const events: PartnerEvent[] = [];
    for (const id of ids) events.push(await parkedEvent(conn, 'invoice', id));
    const untouched = await parkedEvent(other, 'invoice', 'bs-other');
    const filter = { connectionId: conn, eventType: 'invoice.created' };
    await waitFor(
      'visibility to list both',
      async () =>
        (await admin('/admin/events/bulk', { body: { action: 'skip', dryRun: true, reason: 'x', filter } })).body
          ?.matched === 2,
    );

    const done = await admin('/admin/events/bulk', {
      body: { action: 'skip', dryRun: false, filter, by: 'dave', reason: 'test objects' },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ matched: 2, acted: 2, failed: 0, dryRun: false });
    for (const e of events) {
      const row = await waitForEventStatus(sys.rt.db, conn, e.id, 'skipped');
      expect(row).toMatchObject({ resolution: 'test objects' });
      expect(row.finishedAt).not.toBeNull();
    }
    const actions = await sys.rt.db.operatorAction.findMany({
      where: { connectionId: conn },
      select: { action: true, actor: true, reason: true, result: true },
    });
    expect(actions).toEqual(
      ids.map(() => ({ action: 'skip', actor: 'dave', reason: 'test objects', result: 'skipped' })),
    );
    expect((await eventRow(sys.rt.db, other, untouched.id))?.status).toBe('parked');
  });

  it('answers a filter value a visibility query cannot hold with 400 invalid_filter', async () => {
    const res = await admin('/admin/events/bulk', {
      body: { action: 'replay', dryRun: true, filter: { connectionId: 'acme" OR SynclineStatus != "x' } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_filter' });
  });

  it('answers a malformed JSON body with 400', async () => {
    const res = await admin('/admin/events/bulk', { raw: '{"action": "replay", ' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'malformed_body' });
  });

  it('answers a request that does not fit the schema with 400 invalid_request', async () => {
    const [badAction, badLimit] = await Promise.all([
      admin('/admin/events/bulk', { body: { action: 'delete', dryRun: true } }),
      admin('/admin/events?limit=lots'),
    ]);
    expect({ status: badAction.status, error: badAction.body?.error }).toEqual({
      status: 400,
      error: 'invalid_request',
    });
    expect({ status: badLimit.status, error: badLimit.body?.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('answers an unknown event with 404 event_not_found', async () => {
    const conn = await connection('unknown');
    const [shown, replayed] = await Promise.all([
      admin(eventPath(conn, 'evt_does_not_exist')),
      admin(`${eventPath(conn, 'evt_does_not_exist')}/replay`, { body: {} }),
    ]);
    for (const res of [shown, replayed])
      expect({ status: res.status, error: res.body?.error }).toEqual({ status: 404, error: 'event_not_found' });
  });
});
