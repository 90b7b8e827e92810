// Nothing in the overflow inbox is lost when the API (and the relay inside it)
// or PostgreSQL restarts (issue 20 §2b). Everything runs on a PostgreSQL server
// of this file's own (te../support/crashablePostgres.ts), which the test crashes
// (immediate shutdown: crash recovery from the WAL on restart) and starts again;
// the machine's shared server is not touched. The API under test is its own OS
// process, killed with SIGKILL, and reaches Temporal through a TCP proxy the test
// cuts: every start it tries fails, so each delivery is answered from the inbox
// and its relay cannot drain it until the proxy is mended. The test system's
// in-process API keeps its only permit held, so its relay never claims a row.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Delivery, type PartnerEvent, type SendResult, WebhookSender } from '../../dev/simulator';
import { freePort } from '../../dev/support/ports';
import { startTcpProxy, type TcpProxy } from '../../dev/support/tcpProxy';
import { isRefusal } from '../../src/ingest/admission';
import type { SignatureConfig } from '../../src/signatures/types';
import { inboxEventIds } from '../../src/store/webhookInbox';
import { waitForEventStatus } from '../support/events';
import { postRaw } from '../support/http';
import { startCrashablePostgres, type CrashablePostgres } from '../support/crashablePostgres';
import { spawnSyncline, type SynclineProcess } from '../support/synclineProcess';
import { startTestSystem, type TestSystem } from '../support/system';
import { runsOf } from '../support/visibility';
import { waitFor } from '../support/wait';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_overflow_restarts_secret';
const LEASE_MS = 3_000;
const EVENTS = 6;
/** Two API processes started and several restarts: generous, for a loaded 2-core machine. */
const TEST_TIMEOUT_MS = 480_000;

let pg: CrashablePostgres;
let temporalProxy: TcpProxy;
let sys: TestSystem;
const apis: SynclineProcess[] = [];

beforeAll(async () => {
  pg = await startCrashablePostgres('overflow-restarts');
  const [host, port] = inject('temporalAddress').split(':');
  temporalProxy = await startTcpProxy(host!, Number(port));
  sys = await startTestSystem('overflow-restarts', {
    DATABASE_URL: pg.url,
    OVERLOAD_MODE: 'overflow',
    ADMISSION_INITIAL_LIMIT: '1',
    ADMISSION_MIN_LIMIT: '1',
    ADMISSION_MAX_LIMIT: '1',
  });
  if (isRefusal(sys.api.admission.tryAcquire())) throw new Error('the in-process API has no permit to hold');
});
afterAll(async () => {
  for (const a of apis) await a.kill();
  temporalProxy?.restore();
  await sys?.stop();
  await temporalProxy?.close();
  await pg?.stop();
});

/** An API process whose Temporal is behind the proxy, with a long connection cache (the ack needs no read). */
async function spawnApi(): Promise<{ url: string; proc: SynclineProcess }> {
  const port = await freePort();
  const proc = spawnSyncline('src/api/main.ts', sys.rt.env, {
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalProxy.port}`,
    API_PORT: String(port),
    API_HOST: '127.0.0.1',
    OVERLOAD_MODE: 'overflow',
    ACK_TIMEOUT_MS: '2000',
    CONNECTION_CACHE_TTL_MS: '600000',
    INBOX_RELAY_LEASE_MS: String(LEASE_MS),
    INBOX_RELAY_IDLE_MS: '200',
  });
  apis.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the API process to answer /healthz',
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`the API exited:\n${proc.output()}`);
      return (await fetch(`${url}/healthz`).catch(() => undefined))?.ok;
    },
    // tsx compiles the API at each start: minutes on a 2-core machine shared with other builds.
    300_000,
  );
  return { url, proc };
}

function announce(objectId: string, total: number): PartnerEvent {
  const snap = sys.partner.store.upsert('order', objectId, { total });
  return sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
}

/** Leased or tried at least once by a relay. */
async function claimedRows(conn: string): Promise<number> {
  const rows = await sys.rt.db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM webhook_inbox WHERE connection_id = ${conn} AND attempts > 0`;
  return Number(rows[0]!.n);
}

/**
 * Sends as a partner does: a 503 (a fresh process's first database connection can take longer than its
 * connect timeout on a loaded machine) is retried; the answer that ends it is returned.
 */
async function sendUntilTaken(sender: WebhookSender, d: Delivery): Promise<SendResult> {
  for (let i = 0; ; i++) {
    const a = await sender.send(d);
    if (a.status !== 503 || i >= 20) return a;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** EVENTS deliveries while the API cannot reach Temporal: each must be answered 202 from the inbox. */
async function fillInbox(apiUrl: string, name: string) {
  const conn = await sys.addConnection({ name, signature: STRIPE, secrets: [SECRET] });
  // A partner's patience is not the point here: a loaded machine may take longer than 10 s to answer.
  const sender = new WebhookSender({
    targetUrl: `${apiUrl}/webhooks/${conn}`,
    signature: STRIPE,
    secret: SECRET,
    timeoutMs: 60_000,
  });
  const tag = crypto.randomBytes(3).toString('hex');
  const events = Array.from({ length: EVENTS }, (_, i) => announce(`o-${name}-${tag}-${i}`, i + 1));
  const deliveries = events.map((e) => sender.build(e));
  const answers = await Promise.all(deliveries.map((d) => sendUntilTaken(sender, d)));
  for (const [i, a] of answers.entries())
    expect({ status: a.status, body: JSON.parse(a.body) }).toMatchObject({
      status: 202,
      body: { status: 'accepted', eventId: events[i]!.id },
    });
  expect((await inboxEventIds(sys.rt.db, conn)).sort()).toEqual(events.map((e) => e.id).sort());
  return { conn, sender, events, deliveries, url: `${apiUrl}/webhooks/${conn}` };
}

/** Every event processed, applied once, started exactly once; the inbox empty. */
async function expectEachProcessedOnce(conn: string, events: PartnerEvent[]) {
  for (const e of events) {
    const row = await waitForEventStatus(sys.rt.db, conn, e.id, 'processed', 90_000);
    expect(row.outcome).toBe('applied');
    expect(await runsOf(sys.client, row.workflowId)).toBe(1);
  }
  await waitFor('the inbox to empty', async () => (await inboxEventIds(sys.rt.db, conn)).length === 0, 60_000);
}

describe('overflow inbox across restarts', () => {
  it(
    'keeps every row through a SIGKILL of the API while its relay holds them, and the next API relays each once',
    async () => {
      temporalProxy.cut();
      const first = await spawnApi();
      const { conn, events } = await fillInbox(first.url, 'api-kill');
      // The dead API's relay has claimed rows (its starts failed on the cut): they are leased to it when it dies.
      await waitFor('the relay to claim rows', async () => (await claimedRows(conn)) > 0);

      await first.proc.kill('SIGKILL');
      expect((await inboxEventIds(sys.rt.db, conn)).sort()).toEqual(events.map((e) => e.id).sort());

      temporalProxy.restore();
      const second = await spawnApi();
      await expectEachProcessedOnce(conn, events);
      await second.proc.kill('SIGTERM');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps every row through a PostgreSQL crash, answers 503 (never 202) while neither store can take a delivery, and relays each once after',
    async () => {
      temporalProxy.cut();
      const api = await spawnApi();
      const { conn, sender, events, deliveries, url } = await fillInbox(api.url, 'pg-crash');
      const lateEvent = announce(`o-pg-crash-late-${crypto.randomBytes(3).toString('hex')}`, 99);
      const late = sender.build(lateEvent);

      await pg.crash();
      // Neither Temporal (cut) nor the inbox (down) can hold it: the partner must keep it.
      const refused = await postRaw(url, { headers: { ...late.headers }, body: late.rawBody });
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);

      await pg.start();
      expect(pg.log()).toMatch(/not properly shut down; automatic recovery in progress/);
      // Committed rows survived the crash; the refused delivery left none.
      await waitFor(
        'the API to reach PostgreSQL again',
        async () => (await sender.send(deliveries[0]!)).status === 200,
        120_000,
      );
      expect((await inboxEventIds(sys.rt.db, conn)).sort()).toEqual(events.map((e) => e.id).sort());
      // The partner's retry of the refused delivery is taken now, into the inbox (Temporal is still cut).
      expect((await sendUntilTaken(sender, late)).status).toBe(202);

      temporalProxy.restore();
      await expectEachProcessedOnce(conn, [...events, lateEvent]);
      await api.proc.kill('SIGTERM');
    },
    TEST_TIMEOUT_MS,
  );
});
