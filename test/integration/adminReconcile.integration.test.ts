// Reconciliation through the admin API, as an operator's script would drive it:
// sync a connection's schedules, pause and unpause, trigger a run and read its
// report, backfill, and the guard's confirm endpoint; all behind the bearer token.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesSettings, differences } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const TOKEN = `adm_${crypto.randomBytes(16).toString('hex')}`;
let sys: TestSystem;
let conn: string;

beforeAll(async () => {
  sys = await startTestSystem('adminrec', { ADMIN_TOKEN: TOKEN });
  conn = await sys.addConnection({
    name: 'rec',
    signature: { scheme: 'stripe' },
    secrets: ['whsec_admin_rec'],
    settings: {
      changes: changesSettings('cursor'),
      reconcile: { intervalMs: 3_600_000, pageSize: 10, fullDiff: { enabled: false } },
    },
  });
});
afterAll(async () => {
  await sys?.stop();
});

async function admin(path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${sys.api.opsUrl}/admin/reconcile/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('admin API: reconciliation', () => {
  it('refuses every reconciliation route without the token', async () => {
    expect((await admin(conn, undefined, null)).status).toBe(401);
    expect((await admin(`${conn}/trigger`, {}, 'wrong-token-of-some-length')).status).toBe(401);
  });

  it('creates the schedule, pauses and unpauses it, and shows its status', async () => {
    expect((await admin(`${conn}/sync`, {})).body).toEqual({ incremental: 'created', full: 'absent' });
    expect((await admin(`${conn}/pause`, { note: 'partner maintenance' })).status).toBe(200);
    await waitFor('the pause to show', async () => (await admin(conn)).body.schedules?.incremental?.paused === true);
    expect((await admin(conn)).body.schedules.incremental.note).toBe('partner maintenance');
    expect((await admin(`${conn}/unpause`, {})).status).toBe(200);
    await waitFor('the unpause to show', async () => (await admin(conn)).body.schedules?.incremental?.paused === false);
  });

  it('triggers a run now and reports it, with the local copy equal to the partner', async () => {
    for (let i = 0; i < 25; i++) sys.partner.store.upsert('order', `rec-${i}`, { n: i });
    expect((await admin(`${conn}/trigger`, {})).status).toBe(200);
    const run = await waitFor(
      'a succeeded run',
      async () => {
        const runs = (await admin(`${conn}/runs`)).body as unknown as Array<Record<string, unknown>>;
        return runs.find((r) => r.status === 'succeeded');
      },
      60_000,
    );
    expect(Number(run.recordsSeen)).toBeGreaterThanOrEqual(25);
    expect(Number(run.pages)).toBeGreaterThanOrEqual(3);
    expect(await differences(sys.rt.db, conn, sys.partner.store)).toEqual([]);
    const status = (await admin(conn)).body;
    expect(status.checkpoint?.cursor).toBeTruthy();
  });

  it('validates a backfill range and accepts a valid one', async () => {
    const now = Date.now();
    expect(
      (
        await admin(`${conn}/backfill`, {
          start: new Date(now).toISOString(),
          end: new Date(now - 60_000).toISOString(),
        })
      ).status,
    ).toBe(400);
    const ok = await admin(`${conn}/backfill`, {
      start: new Date(now - 3 * 3_600_000).toISOString(),
      end: new Date(now).toISOString(),
    });
    expect(ok.status).toBe(200);
  });

  it('answers 404 when there is no schedule or no blocked full diff', async () => {
    const missing = await admin('no-such-connection/trigger', {});
    expect(missing).toMatchObject({ status: 404, body: { error: 'no_reconcile_schedule' } });
    const confirm = await admin(`${conn}/confirm-deletes`, { approve: true });
    expect(confirm).toMatchObject({ status: 404, body: { error: 'no_blocked_run' } });
    expect((await admin(`${conn}/confirm-deletes`, { approve: 'yes' })).status).toBe(400);
  });
});
