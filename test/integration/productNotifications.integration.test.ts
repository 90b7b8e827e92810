// Notifications to the product on the real stack (issue 21 §3, §6): a webhook,
// a reconciliation run and a delete reach a product endpoint as Standard
// Webhooks notifications, verified there with `standardwebhooks` (the Standard
// Webhooks project's library, not ours); each notification is exactly the feed
// page read after its previousCursor; PostgreSQL NOTIFY names the changes; an
// endpoint that fails and recovers loses and repeats nothing past the cursor;
// one that keeps failing parks the notifier with an alert until an operator
// resumes it from the CLI.
import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { consume, type ProductEndpoint, startProductEndpoint } from '../../dev/support/productEndpoint';
import { NotificationVerificationError, verifyNotification } from '../../src/client/notifications';
import type { NotificationBody } from '../../src/contracts/notificationsApi';
import { RecordsFeed } from '../../src/records/recordsFeed';
import type { SignatureConfig } from '../../src/signatures/types';
import { findNotificationState } from '../../src/store/productNotifications';
import { startAlertSink, type AlertSink } from '../support/alertSink';
import { runCli } from '../support/cli';
import { waitForEventStatus } from '../support/events';
import { changesSettings, reconcileService } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const PARTNER_SECRET = 'whsec_notify_partner_secret';
const PRODUCT_SECRET = `whsec_${crypto.randomBytes(32).toString('base64')}`;
const RETRY_ATTEMPTS = 4;
const ADMIN_TOKEN = crypto.randomBytes(16).toString('hex');

let sys: TestSystem;
let product: ProductEndpoint;
let sink: AlertSink;
let listener: pg.Client;
const notifies: { connectionId: string; cursor: string }[] = [];

beforeAll(async () => {
  product = await startProductEndpoint({ secret: PRODUCT_SECRET });
  sink = await startAlertSink();
  listener = new pg.Client({ connectionString: inject('databaseUrl') });
  await listener.connect();
  listener.on('notification', (m) => {
    if (m.channel === 'syncline_changes' && m.payload) notifies.push(JSON.parse(m.payload) as (typeof notifies)[0]);
  });
  await listener.query('LISTEN syncline_changes');
  sys = await startTestSystem(
    'notify',
    {
      ALERT_WEBHOOK_URL: sink.url,
      ADMIN_TOKEN,
      PRODUCT_WEBHOOK_SECRET: PRODUCT_SECRET,
      NOTIFY_BATCH_WINDOW_MS: '100',
      NOTIFY_RETRY_INITIAL_MS: '50',
      NOTIFY_RETRY_MAX_INTERVAL_MS: '200',
      NOTIFY_RETRY_MAX_ATTEMPTS: String(RETRY_ATTEMPTS),
      // An answer is lost here by cutting the connection, never by a timeout a loaded machine could reach.
      NOTIFY_TIMEOUT_MS: '60000',
      // Only an operator resumes a parked notifier in these tests.
      NOTIFY_PARK_PROBE_MS: '3600000',
    },
    { notifyDispatcher: true },
  );
});
afterAll(async () => {
  await sys?.stop();
  await listener?.end();
  await product?.close();
  await sink?.close();
});

const notified =
  (conn: string) =>
  (settings: Record<string, unknown> = {}) =>
    sys.addConnection({
      name: conn,
      signature: STRIPE,
      secrets: [PARTNER_SECRET],
      settings: { changes: changesSettings('cursor'), notifications: { url: product.url }, ...settings },
    });

async function webhook(conn: string, snapshotVersion: number): Promise<void> {
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snapshotVersion)!);
  const answer = await sys.sender(conn, STRIPE, PARTNER_SECRET).deliver(event);
  expect(answer.status).toBe(202);
  await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
}

/** Every change of the connection's feed, from the start. */
const feed = (conn: string) => new RecordsFeed(sys.rt.db).changes(conn, { limit: 1000 });

/** Waits until the product, consuming what it accepted, has reached the feed's head. */
async function caughtUp(conn: string, changes: number): Promise<NotificationBody[]> {
  return waitFor(`the product to reach ${changes} change(s) of ${conn}`, async () => {
    const all = await feed(conn);
    const mine = product.accepted(conn);
    return all.changes.length === changes && consume(mine).cursor === all.nextCursor && mine;
  });
}

describe('notifications to the product', () => {
  it('tells the product about a webhook, a reconciliation run and a delete, signed, exactly as the feed has them', async () => {
    const conn = await notified('flow')();
    const store = sys.partner.store;

    await webhook(conn, store.upsert('contact', 'c-1', { name: 'Ada' }).version);
    await caughtUp(conn, 1);
    store.upsert('contact', 'c-2', { name: 'Grace' }); // its webhook is lost: reconciliation brings it
    await reconcileService(sys)
      .runNow(conn, 'incremental')
      .then((h) => h.result());
    await caughtUp(conn, 2);
    await webhook(conn, store.delete('contact', 'c-1').version);
    const accepted = await caughtUp(conn, 3);

    const mine = product.received.filter((r) => r.body.connectionId === conn);
    expect(mine.every((r) => r.verified)).toBe(true);
    const all = await feed(conn);
    expect(all.changes.map((c) => [c.id, c.deleted, c.source.kind])).toEqual([
      ['c-1', false, 'webhook'],
      ['c-2', false, 'reconcile'],
      ['c-1', true, 'webhook'],
    ]);
    const consumed = consume(accepted);
    expect(consumed).toMatchObject({ gaps: 0, redeliveries: 0 });
    expect(consumed.applied).toEqual(all.changes.map((c) => c.cursor));
    // Each notification is the feed page read after its previousCursor.
    for (const n of accepted) {
      const page = await new RecordsFeed(sys.rt.db).changes(conn, {
        cursor: n.previousCursor ?? undefined,
        limit: n.changes.length,
      });
      expect({ changes: page.changes, nextCursor: page.nextCursor }).toEqual({
        changes: n.changes,
        nextCursor: n.nextCursor,
      });
    }
    expect((await findNotificationState(sys.rt.db, conn))?.cursor).toBe(all.nextCursor);

    // The typed client's verifier accepts what the product got and refuses a changed byte.
    const first = mine[0]!;
    expect(verifyNotification(first.headers, first.rawBody, PRODUCT_SECRET).nextCursor).toBe(first.body.nextCursor);
    const tampered = Buffer.from(first.rawBody.toString('utf8').replace('Ada', 'Eve'));
    expect(() => verifyNotification(first.headers, tampered, PRODUCT_SECRET)).toThrow(NotificationVerificationError);

    // PostgreSQL NOTIFY: every payload names a change of the feed, and the last one names its newest.
    const payloads = notifies.filter((n) => n.connectionId === conn).map((n) => n.cursor);
    expect(payloads.length).toBeGreaterThanOrEqual(3);
    expect(payloads.every((c) => all.changes.some((ch) => ch.cursor === c))).toBe(true);
    expect(payloads.at(-1)).toBe(all.nextCursor);
  });

  it('skips and repeats nothing past the cursor when the product endpoint fails and recovers', async () => {
    const conn = await notified('flaky')();
    const store = sys.partner.store;
    product.failNext(3);
    const versions = ['a', 'b', 'c', 'd', 'e'].map((id) => store.upsert('deal', `d-${id}`, { id }).version);
    await Promise.all(versions.map((v) => webhook(conn, v)));
    const accepted = await caughtUp(conn, 5);

    const refused = product.received.filter((r) => r.body.connectionId === conn && r.status >= 300);
    expect(refused.length).toBe(3);
    const consumed = consume(accepted);
    expect(consumed.gaps).toBe(0);
    expect(consumed.applied).toEqual((await feed(conn)).changes.map((c) => c.cursor));
    expect(new Set(consumed.applied).size).toBe(5);
    expect(await findNotificationState(sys.rt.db, conn)).toMatchObject({ status: 'active', failedAttempts: 0 });
  });

  it('sends a batch whose 2xx was lost again unchanged, never grown, so the product keeps its place', async () => {
    // The product stores the first batch but its answer never comes back; a second change is committed while
    // the POST is held. The retry must be the same batch (same webhook-id, same changes), which the product
    // ignores as a re-delivery; then the second change follows from the product's cursor. A retry that read
    // the feed afresh would send both changes from the old cursor: ignored too, and the product would be
    // stuck one change behind, every later notification a gap (the cluster chaos run of fc4 saw that).
    const conn = await notified('lost-answer')();
    const store = sys.partner.store;
    const first = store.upsert('deal', 'l-1', { id: 'first' }).version;
    const second = store.upsert('deal', 'l-2', { id: 'second' }).version;
    product.loseAnswerNext(1, () => webhook(conn, second));
    await webhook(conn, first);
    const accepted = await caughtUp(conn, 2);

    const mine = product.received.filter((r) => r.body.connectionId === conn);
    expect(mine.map((r) => r.body.changes.map((c) => c.id))).toEqual([['l-1'], ['l-1'], ['l-2']]);
    expect(mine[1]!.id).toBe(mine[0]!.id);
    expect(mine[1]!.body).toMatchObject({ previousCursor: null, nextCursor: mine[0]!.body.nextCursor });
    const consumed = consume(accepted);
    expect(consumed).toMatchObject({ gaps: 0, redeliveries: 1 });
    expect(consumed.applied).toEqual((await feed(conn)).changes.map((c) => c.cursor));
  });

  it('parks with an alert when the endpoint keeps failing, shows it in the CLI and the admin API, and resumes from the CLI', async () => {
    const conn = await notified('down')();
    const env = {
      ENCRYPTION_KEY: sys.rt.env.ENCRYPTION_KEY!,
      TEMPORAL_TASK_QUEUE: sys.rt.env.TEMPORAL_TASK_QUEUE,
      PRODUCT_WEBHOOK_SECRET: PRODUCT_SECRET,
    };
    product.failNext(Infinity, 500);
    await webhook(conn, sys.partner.store.upsert('ticket', 't-1', { title: 'down' }).version);
    await waitFor(
      'the notifier to park',
      async () => (await findNotificationState(sys.rt.db, conn))?.status === 'parked',
    );
    const refused = product.received.filter((r) => r.body.connectionId === conn);
    expect(refused.length).toBe(RETRY_ATTEMPTS);
    const alert = await waitFor('the parked alert', async () =>
      sink.received
        .map((a) => a.syncline as { kind: string; connectionId: string; command?: string })
        .find((a) => a.kind === 'notifications.parked' && a.connectionId === conn),
    );
    expect(alert.command).toContain(`notifications resume ${conn}`);

    const parked = await runCli(['notifications', 'status', conn, '--json'], env);
    expect(parked.code).toBe(0);
    expect(JSON.parse(parked.stdout)).toMatchObject({
      status: 'parked',
      backlog: 1,
      cursor: null,
      endpoint: product.url,
    });
    expect((JSON.parse(parked.stdout) as { lastError: string }).lastError).toContain('500');
    const viaApi = await fetch(`${sys.api.opsUrl}/admin/notifications/${conn}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await viaApi.json()).toMatchObject({ status: 'parked', backlog: 1 });

    product.failNext(0);
    const resumed = await runCli(['notifications', 'resume', conn], env);
    expect(resumed.code).toBe(0);
    await caughtUp(conn, 1);
    const after = await runCli(['notifications', 'status', conn, '--json'], env);
    expect(JSON.parse(after.stdout)).toMatchObject({ status: 'active', backlog: 0, failedAttempts: 0 });
  });
});
