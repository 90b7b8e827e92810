// The product's records API and change feed on the real stack (issue 21 §1,
// §4, §5): a webhook, then a reconciliation run, then a delete, all through
// the real API, Temporal worker and PostgreSQL; the product reads them with
// syncline/client as it ships (the package's "./client" export, built from
// src/client) and the ops CLI prints the same feed. Then the API's key and
// parameter checks.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/contracts/reconcileContract';
import type * as ClientModule from '../../src/client';
import type { SignatureConfig } from '../../src/signatures/types';
import { runCli } from '../support/cli';
import { waitForEventStatus } from '../support/events';
import { changesSettings, reconcileService } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const ROOT = path.resolve(__dirname, '../..');
const KEY = `pk_${crypto.randomBytes(16).toString('hex')}`;
const OLD_KEY = `pk_${crypto.randomBytes(16).toString('hex')}`;
const ADMIN = `adm_${crypto.randomBytes(16).toString('hex')}`;
const ENCRYPTION_KEY = crypto.randomBytes(32).toString('base64');
const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_records_api';

let sys: TestSystem;
let conn: string;
let client: ClientModule.SynclineClient;
let lib: typeof ClientModule;
const story: { created?: string; deleted?: string; runId?: string } = {};

beforeAll(async () => {
  // The client as a product imports it: `syncline/client`, resolved through package.json "exports".
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.client.json'], {
    cwd: ROOT,
  });
  lib = createRequire(path.join(ROOT, 'package.json'))('syncline/client') as typeof ClientModule;
  sys = await startTestSystem('recapi', {
    PRODUCT_API_KEYS: `${OLD_KEY}, ${KEY}`,
    ADMIN_TOKEN: ADMIN,
    ENCRYPTION_KEY,
  });
  conn = await sys.addConnection({
    name: 'shop',
    signature: STRIPE,
    secrets: [SECRET],
    settings: {
      changes: changesSettings('cursor'),
      reconcile: { intervalMs: 3_600_000, pageSize: 10, fullDiff: { enabled: false } },
    },
  });
  client = new lib.SynclineClient({ baseUrl: sys.api.opsUrl, apiKey: KEY });
}, 240_000);
afterAll(async () => {
  await sys?.stop();
});

async function deliver(snapVersion: number): Promise<string> {
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snapVersion)!);
  expect((await sys.sender(conn, STRIPE, SECRET).deliver(event)).status).toBe(202);
  await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
  return event.id;
}

async function all(cursor?: string, limit?: number): Promise<ClientModule.ChangeView[]> {
  const out: ClientModule.ChangeView[] = [];
  for await (const c of client.changesSince(conn, { cursor, limit })) out.push(c);
  return out;
}

describe('records API and change feed', () => {
  it('gives the product exactly the changes a webhook, a reconciliation run and a delete made, with their sources', async () => {
    // 1. A webhook creates order o-1.
    story.created = await deliver(sys.partner.store.upsert('order', 'o-1', { total: 10 }).version);
    // 2. The partner changes o-1 and creates o-2 without telling us; a reconciliation run finds both.
    sys.partner.store.upsert('order', 'o-1', { total: 11 });
    sys.partner.store.upsert('order', 'o-2', { total: 20 });
    const handle = await reconcileService(sys).runNow(conn, 'incremental');
    const run = (await handle.result()) as ReconcileResult;
    expect(run.status).toBe('succeeded');
    story.runId = run.runId;
    // 3. A webhook says o-1 was deleted.
    story.deleted = await deliver(sys.partner.store.delete('order', 'o-1').version);

    const seen = await waitFor('the four changes to be readable', async () => {
      const c = await all(undefined, 2);
      return c.length >= 4 ? c : undefined;
    });
    const view = seen.map((c) => [c.type, c.id, c.deleted, c.data, c.source]);
    // Per record in commit order; o-2's change sits between o-1's second and third in some order.
    expect(view.filter((v) => v[1] === 'o-1')).toEqual([
      ['order', 'o-1', false, { total: 10 }, { kind: 'webhook', eventId: story.created }],
      ['order', 'o-1', false, { total: 11 }, { kind: 'reconcile', runId: story.runId }],
      ['order', 'o-1', true, null, { kind: 'webhook', eventId: story.deleted }],
    ]);
    expect(view.filter((v) => v[1] === 'o-2')).toEqual([
      ['order', 'o-2', false, { total: 20 }, { kind: 'reconcile', runId: story.runId }],
    ]);
    expect(seen).toHaveLength(4);
    for (const c of seen) {
      expect(c.version).toMatch(/^[0-9]+$/);
      expect(Number.isNaN(Date.parse(c.changedAt))).toBe(false);
    }
    // Reading on from the last cursor gives nothing; from the second gives the last two.
    expect(await all(seen[3]!.cursor)).toEqual([]);
    expect((await all(seen[1]!.cursor)).map((c) => c.cursor)).toEqual([seen[2]!.cursor, seen[3]!.cursor]);
    const page = await client.changes(conn, { cursor: seen[3]!.cursor });
    expect(page).toEqual({ changes: [], nextCursor: seen[3]!.cursor, hasMore: false });
  });

  it('lists records of a type in change order with tombstones, and reads one record', async () => {
    const first = await client.records(conn, 'order', { limit: 1 });
    expect(first.records.map((r) => r.id)).toEqual(['o-2']);
    expect(first.hasMore).toBe(true);
    const second = await client.records(conn, 'order', { cursor: first.nextCursor, limit: 1 });
    expect(second.records.map((r) => [r.id, r.deleted, r.data])).toEqual([['o-1', true, null]]);
    expect(second.hasMore).toBe(false);
    expect(await client.record(conn, 'order', 'o-1')).toMatchObject({
      type: 'order',
      id: 'o-1',
      deleted: true,
      data: null,
      source: { kind: 'webhook', eventId: story.deleted },
    });
    expect(await client.record(conn, 'order', 'o-2')).toMatchObject({
      deleted: false,
      data: { total: 20 },
      source: { kind: 'reconcile', runId: story.runId },
    });
    expect(await client.record(conn, 'order', 'never-seen')).toBeNull();
  });

  it('prints the feed after a cursor with the ops CLI, and the cursor to go on from', async () => {
    const seen = await all();
    const run = await runCli(['records', 'changes', conn, '--since', seen[1]!.cursor], { ENCRYPTION_KEY });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('order'))).toHaveLength(2);
    expect(run.stdout).toContain(`webhook:${story.deleted}`);
    expect(lines.at(-1)).toBe(`next cursor: ${seen[3]!.cursor} (caught up)`);
    const bad = await runCli(['records', 'changes', conn, '--since', 'not-a-cursor'], { ENCRYPTION_KEY });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cursor');
  });

  it('requires a product key: none, a wrong one and the admin token are refused; every configured key works', async () => {
    const url = `${sys.api.opsUrl}/v1/connections/${conn}/changes`;
    const status = async (auth?: string) => (await fetch(url, { headers: auth ? { authorization: auth } : {} })).status;
    expect(await status()).toBe(401);
    expect(await status(`Bearer ${KEY}x`)).toBe(401);
    expect(await status(`Bearer ${ADMIN}`)).toBe(401);
    expect(await status(`Basic ${KEY}`)).toBe(401);
    expect(await status(`Bearer ${KEY}`)).toBe(200);
    expect(await status(`Bearer ${OLD_KEY}`)).toBe(200);
    const body = await (await fetch(url)).json();
    expect(body).toEqual({ error: 'unauthorized' });
    // The partner-facing port does not serve it at all.
    expect(
      (await fetch(`${sys.api.url}/v1/connections/${conn}/changes`, { headers: { authorization: `Bearer ${KEY}` } }))
        .status,
    ).toBe(404);
  });

  it('answers bad parameters with 400 and a clear code, unknown connections with 404, and caps the limit', async () => {
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e instanceof lib.SynclineApiError ? [e.status, e.code] : e;
      }
      return 'no error';
    };
    expect(await err(client.changes(conn, { cursor: 'c1.bm9wZQ' }))).toEqual([400, 'invalid_cursor']);
    expect(await err(client.changes(conn, { cursor: 'garbage' }))).toEqual([400, 'invalid_cursor']);
    expect(await err(client.changes(conn, { limit: 0 }))).toEqual([400, 'invalid_query']);
    expect(await err(client.changes(conn, { limit: -5 }))).toEqual([400, 'invalid_query']);
    expect(await err(client.changes(conn, { limit: 1.5 }))).toEqual([400, 'invalid_query']);
    expect(await err(client.records(conn, ''))).toEqual([400, 'invalid_query']);
    expect(await err(client.changes('no-such-connection'))).toEqual([404, 'unknown_connection']);
    expect(await err(client.records('no-such-connection', 'order'))).toEqual([404, 'unknown_connection']);
    expect(await err(client.record('no-such-connection', 'order', 'o-1'))).toEqual([404, 'unknown_connection']);
    const capped = await client.changes(conn, { limit: 1_000_000 });
    expect(capped.changes).toHaveLength(4);
    const res = await fetch(`${sys.api.opsUrl}/v1/connections/${conn}/changes?limit=abc`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_query', message: expect.stringContaining('limit') });
  });
});
