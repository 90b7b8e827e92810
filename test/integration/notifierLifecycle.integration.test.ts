// What the Temporal Web UI and CLI let an engineer do to a connection's
// notifier (`notify:<connection>`, src/workflows/notifyProduct.ts): terminate,
// cancel, reset to the first or last workflow task, signal or update with any
// JSON, while it is idle, retrying a failing product endpoint, or parked. Each
// must leave the connection's notifications recoverable without anyone's help
// beyond the documented resume: every change reaches the product, in order,
// none skipped (issue 16 §1, for the workflows added since).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consume, type ProductEndpoint, startProductEndpoint } from '../../dev/support/productEndpoint';
import {
  NOTIFIER_SIGNALS,
  resetWorkflow,
  sendJunkSignals,
  sendJunkUpdates,
  workflowTaskFailures,
} from '../../dev/support/workflowActions';
import { notifierStateQuery, notifierWorkflowId } from '../../src/contracts/notifyContract';
import { RecordsFeed } from '../../src/records/recordsFeed';
import type { SignatureConfig } from '../../src/signatures/types';
import { findNotificationState } from '../../src/store/productNotifications';
import { waitForEventStatus } from '../support/events';
import { changesSettings } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const PARTNER_SECRET = 'whsec_notifier_lifecycle';
const PRODUCT_SECRET = `whsec_${crypto.randomBytes(32).toString('base64')}`;
/** 10 s between delivery attempts: long enough to act on a notifier while it is retrying. */
const RETRY_INTERVAL_MS = 10_000;
const RETRY_ATTEMPTS = 3;

let sys: TestSystem;
const products: ProductEndpoint[] = [];

beforeAll(async () => {
  sys = await startTestSystem(
    'notifier-ops',
    {
      PRODUCT_WEBHOOK_SECRET: PRODUCT_SECRET,
      NOTIFY_BATCH_WINDOW_MS: '100',
      NOTIFY_RETRY_INITIAL_MS: String(RETRY_INTERVAL_MS),
      NOTIFY_RETRY_MAX_INTERVAL_MS: String(RETRY_INTERVAL_MS),
      NOTIFY_RETRY_MAX_ATTEMPTS: String(RETRY_ATTEMPTS),
      NOTIFY_PARK_PROBE_MS: '1000',
      NOTIFY_SWEEP_INTERVAL_MS: '500',
    },
    { notifyDispatcher: true },
  );
});
afterAll(async () => {
  await sys?.stop();
  for (const p of products) await p.close();
});

type State = 'idle' | 'retrying' | 'parked';
type Action = 'terminate' | 'cancel' | 'reset-first' | 'reset-last' | 'junk';
const STATES: State[] = ['idle', 'retrying', 'parked'];
const ACTIONS: Action[] = ['terminate', 'cancel', 'reset-first', 'reset-last', 'junk'];

/** A connection notifying a product endpoint of its own (its failures are this case's only). */
async function notifiedConnection(label: string) {
  const product = await startProductEndpoint({ secret: PRODUCT_SECRET });
  products.push(product);
  const conn = await sys.addConnection({
    name: label,
    signature: STRIPE,
    secrets: [PARTNER_SECRET],
    settings: { changes: changesSettings('cursor'), notifications: { url: product.url } },
  });
  return { conn, product };
}

/** One webhook for a new version of one of the connection's objects, processed (a change in the feed). */
async function change(conn: string, objectId: string, n: number): Promise<void> {
  const snap = sys.partner.store.upsert('ticket', objectId, { n });
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
  expect((await sys.sender(conn, STRIPE, PARTNER_SECRET).deliver(event)).status).toBe(202);
  await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
}

/** Waits until the product, consuming what it accepted, holds every change of the feed, none skipped. */
async function caughtUp(conn: string, product: ProductEndpoint, changes: number) {
  return waitFor(
    `the product to hold ${changes} change(s) of ${conn}`,
    async () => {
      const all = await new RecordsFeed(sys.rt.db).changes(conn, { limit: 1000 });
      const consumed = consume(product.accepted(conn));
      return all.changes.length === changes && consumed.cursor === all.nextCursor ? consumed : undefined;
    },
    90_000,
  );
}

const handleOf = (conn: string) => sys.client.workflow.getHandle(notifierWorkflowId(conn));

async function pendingAttempt(conn: string): Promise<{ attempt: number; state: number } | undefined> {
  const d = await handleOf(conn).describe();
  const a = (d.raw.pendingActivities ?? []).find((p) => p.activityType?.name === 'deliverNotificationBatch');
  return a ? { attempt: a.attempt ?? 1, state: Number(a.state) } : undefined;
}

/** Brings the connection's notifier into `state`, with one change in the feed. */
async function hold(state: State, conn: string, product: ProductEndpoint): Promise<void> {
  if (state === 'idle') {
    await change(conn, `${conn}-t`, 1);
    await caughtUp(conn, product, 1);
    return;
  }
  product.failNext(Infinity, 503);
  await change(conn, `${conn}-t`, 1);
  if (state === 'retrying') {
    // The first attempt failed; the second waits for its retry timer (scheduled, not started).
    await waitFor(`${conn}: retrying`, async () => {
      const a = await pendingAttempt(conn);
      return a !== undefined && a.attempt >= 2 && a.state === 1;
    });
    return;
  }
  await waitFor(
    `${conn}: parked`,
    async () => (await findNotificationState(sys.rt.db, conn))?.status === 'parked',
    90_000,
  );
  await waitFor(
    `${conn}: its notifier to say parked`,
    async () => (await handleOf(conn).query(notifierStateQuery)).status === 'parked',
  );
}

describe.concurrent('each action on a notifier in each state', () => {
  const cases = STATES.flatMap((state) => ACTIONS.map((action) => ({ state, action })));
  it.each(cases)(
    '$action while $state: every change still reaches the product, in order',
    async ({ state, action }) => {
      const label = `n-${state.slice(0, 4)}-${action}`;
      const { conn, product } = await notifiedConnection(label);
      await hold(state, conn, product);
      const handle = handleOf(conn);
      const before = await handle.describe();
      switch (action) {
        case 'terminate':
          await handle.terminate('test: Web UI terminate');
          break;
        case 'cancel':
          await handle.cancel();
          // That run, not the latest: the dispatcher's sweep may already have started the next one.
          await waitFor(
            'the run to end cancelled',
            async () =>
              (await sys.client.workflow.getHandle(handle.workflowId, before.runId).describe()).status.name ===
              'CANCELLED',
          );
          break;
        case 'reset-first':
        case 'reset-last':
          expect(
            await resetWorkflow(sys.client, handle.workflowId, action === 'reset-first' ? 'first' : 'last'),
          ).not.toBe(before.runId);
          break;
        case 'junk': {
          const stateBefore = await handle.query(notifierStateQuery);
          await sendJunkSignals(sys.client, handle.workflowId, NOTIFIER_SIGNALS);
          expect(await sendJunkUpdates(sys.client, handle.workflowId, [])).toBe(0);
          expect(await workflowTaskFailures(sys.client, handle.workflowId)).toBe(0);
          expect((await handle.describe()).status.name).toBe('RUNNING');
          expect((await handle.query(notifierStateQuery)).status).toBe(stateBefore.status);
          break;
        }
      }
      if (state === 'parked' && (action === 'terminate' || action === 'cancel')) {
        // Nothing else would ever look at this connection again: its row says parked, and the dispatcher
        // wakes no parked connection. Its sweep starts a notifier that begins parked, probing.
        const restarted = await waitFor('a notifier to run again', async () => {
          const d = await handle.describe();
          return d.status.name === 'RUNNING' && d.runId !== before.runId ? d : undefined;
        });
        expect(restarted.runId).not.toBe(before.runId);
        expect((await handle.query(notifierStateQuery)).status).toBe('parked');
      }
      product.failNext(0);
      await change(conn, `${conn}-t`, 2);
      const consumed = await caughtUp(conn, product, 2);
      expect(consumed.gaps).toBe(0);
      await waitFor(
        'the notifier row to say active',
        async () => (await findNotificationState(sys.rt.db, conn))?.status === 'active',
      );
    },
  );
});
