// Reconciliation end to end on the real Temporal dev server and PostgreSQL:
// the partner simulator's list APIs, the reconcile workflow, the version guard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStates } from '../../src/store/syncRecords';
import type { ReconcileResult } from '../../src/contracts/reconcileContract';
import type { SignatureConfig } from '../../src/signatures/types';
import { changesSettings, differences, reconcileService } from '../support/reconcileFixtures';
import { startPartnerSimulator } from '../../dev/simulator';
import { PARTNER_API_KEY, startTestSystem, type TestSystem } from '../support/system';
import { startAlertSink, type AlertSink } from '../support/alertSink';
import { record, waitForEventStatus } from '../support/events';
import { waitFor } from '../support/wait';
import { budgetViolations, logRequestSlots } from '../support/requestSlots';

/** Durations (ms) of the timers the workflow started, in order. */
async function timerDelays(workflowId: string, runId?: string): Promise<number[]> {
  const history = await sys.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const d = e.timerStartedEventAttributes?.startToFireTimeout;
    return d ? [Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6)] : [];
  });
}

async function firstExecutionStatus(handle: {
  workflowId: string;
  firstExecutionRunId: string;
}): Promise<string | undefined> {
  return (await sys.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe()).status.name;
}

async function run(conn: string, mode: 'incremental' | 'full', opts: { confirmDeletes?: boolean } = {}) {
  const handle = await reconcileService(sys).runNow(conn, mode, opts);
  return { handle, result: (await handle.result()) as ReconcileResult };
}

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_reconcile_secret';

let sys: TestSystem;
let sink: AlertSink;

beforeAll(async () => {
  sink = await startAlertSink();
  sys = await startTestSystem('reconcile', { ALERT_WEBHOOK_URL: sink.url });
});
afterAll(async () => {
  await sys?.stop();
  await sink?.close();
});

/** The alerts of one kind sent for a connection, as the receiving end got them. */
const alerts = (kind: string, conn: string) =>
  sink.received
    .map((a) => a.syncline as { kind: string; connectionId: string; title: string; fields: Record<string, unknown> })
    .filter((a) => a.kind === kind && a.connectionId === conn);

describe('reconciliation poll', () => {
  it('makes the local copy equal the partner after one run when 20% of 5,000 changes lost their webhook', async () => {
    const conn = await sys.addConnection({
      name: 'bulk',
      signature: STRIPE,
      secrets: [SECRET],
      settings: { changes: changesSettings('cursor'), reconcile: { pageSize: 500, maxPagesPerExecution: 8 } },
    });
    const store = sys.partner.store;
    // Each object is created, then changed; the fast path saw the final version of 80% of them.
    for (let i = 0; i < 5_000; i++) store.upsert('contact', `c-${i}`, { name: `Contact ${i}`, n: i });
    const finals = Array.from({ length: 5_000 }, (_, i) =>
      store.upsert('contact', `c-${i}`, { name: `Contact ${i}`, n: i, stage: i % 7 }),
    );
    const delivered = finals.filter((_, i) => i % 5 !== 0);
    const missed = finals.length - delivered.length;
    // 100 of the delivered changes go through the real webhook path; the rest are applied the way it applies them.
    const viaWebhook = delivered.slice(0, 100);
    const sender = sys.sender(conn, STRIPE, SECRET);
    const events = viaWebhook.map((s) => sys.partner.events.fromChange(store.changeAt(s.version)!));
    for (let i = 0; i < events.length; i += 10) {
      const answers = await Promise.all(events.slice(i, i + 10).map((e) => sender.deliver(e)));
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    }
    await applyStates(
      sys.rt.db,
      conn,
      'webhook:bulk',
      delivered.slice(100).map((s) => ({
        objectType: s.type,
        objectId: s.id,
        state: { found: true, version: s.version, data: { ...s.data } },
      })),
    );
    for (const e of events) await waitForEventStatus(sys.rt.db, conn, e.id, 'processed');
    expect((await differences(sys.rt.db, conn, store)).length).toBe(missed);

    const started = Date.now();
    const handle = await reconcileService(sys).runNow(conn, 'incremental');
    const result = (await handle.result()) as ReconcileResult;
    const elapsedMs = Date.now() - started;
    expect(await firstExecutionStatus(handle)).toBe('CONTINUED_AS_NEW');

    expect(await differences(sys.rt.db, conn, store)).toEqual([]);
    expect(result).toMatchObject({
      status: 'succeeded',
      pages: 20,
      recordsSeen: 10_000,
      recordsChanged: missed,
      recordsDeleted: 0,
    });
    const row = await sys.rt.db.reconcileRun.findUniqueOrThrow({ where: { id: result.runId } });
    expect(row).toMatchObject({
      status: 'succeeded',
      pages: 20,
      recordsSeen: 10_000,
      recordsChanged: missed,
      checkpointReached: result.checkpoint,
    });
    expect(row.durationMs).toBeGreaterThan(0);
    const cp = await sys.rt.db.syncCheckpoint.findUniqueOrThrow({ where: { connectionId: conn } });
    expect(cp.highWaterMark).toBe(BigInt(finals.at(-1)!.version));
    console.info(`[measure] 5,000 objects / 10,000 changes reconciled in ${elapsedMs} ms`);

    // A second run starts from the checkpoint: one page, nothing new.
    const again = (await (await reconcileService(sys).runNow(conn, 'incremental')).result()) as ReconcileResult;
    expect(again).toMatchObject({ status: 'succeeded', pages: 1, recordsSeen: 0, recordsChanged: 0 });
  });

  it('waits exactly as long as a 429/503 storm asks through Retry-After and still completes', async () => {
    // Its own partner: the objects-since listing returns every object the partner has.
    const partner = await startPartnerSimulator({ apiKey: PARTNER_API_KEY });
    const conn = await sys.addConnection({
      name: 'storm',
      signature: STRIPE,
      secrets: [SECRET],
      apiBaseUrl: partner.url,
      settings: { changes: changesSettings('updatedSince'), reconcile: { pageSize: 50 } },
    });
    const store = partner.store;
    for (let i = 0; i < 120; i++) store.upsert('invoice', `storm-${i}`, { amount: i });
    partner.faults.failNextLists(
      { status: 429, retryAfterSec: 1 },
      { status: 503, retryAfterSec: 2 },
      { status: 429, retryAfterSec: 1 },
    );

    const { handle, result } = await run(conn, 'incremental');

    expect(result.status).toBe('succeeded');
    expect(await timerDelays(handle.workflowId)).toEqual([1_000, 2_000, 1_000]);
    expect(partner.lists.requests.filter((r) => r.status !== 200).map((r) => r.status)).toEqual([429, 503, 429]);
    expect(await differences(sys.rt.db, conn, store)).toEqual([]);
    await partner.close();
  });

  it('paces page requests to the connection request budget', async () => {
    const conn = await sys.addConnection({
      name: 'budget',
      signature: STRIPE,
      secrets: [SECRET],
      settings: { changes: changesSettings('cursor'), reconcile: { pageSize: 10, requestsPerSecond: 5 } },
    });
    // The change list is shared by every connection of this partner; start this one at its end.
    await sys.rt.db.syncCheckpoint.create({
      data: { connectionId: conn, cursor: Buffer.from(`seq:${lastSeq()}`).toString('base64url') },
    });
    for (let i = 0; i < 45; i++) store().upsert('note', `budget-${i}`, { i });
    const before = sys.partner.lists.requests.length;
    const slotLog = await logRequestSlots(sys.rt.db, conn, 200);

    try {
      const { handle, result } = await run(conn, 'incremental');

      expect(result).toMatchObject({ status: 'succeeded', pages: 5, recordsSeen: 45, recordsChanged: 45 });
      // 5 per second: each request holds its own slot, slots 200 ms apart, none sent ahead of its slot.
      const at = sys.partner.lists.requests.slice(before).map((r) => r.at);
      expect(at).toHaveLength(5);
      const slots = await slotLog.slots();
      expect(slots).toHaveLength(5);
      expect(budgetViolations(slots, at, 200)).toEqual([]);
      // Pacing is not a workflow timer: the history holds no timer for it.
      expect(await timerDelays(handle.workflowId)).toEqual([]);
    } finally {
      await slotLog.close();
    }
  });

  it('keeps one request budget for a connection across an incremental run and a full diff running at once', async () => {
    const partner = await startPartnerSimulator({ apiKey: PARTNER_API_KEY });
    try {
      const conn = await sys.addConnection({
        name: 'shared-budget',
        signature: STRIPE,
        secrets: [SECRET],
        apiBaseUrl: partner.url,
        settings: { changes: changesSettings('cursor', 'page'), reconcile: { pageSize: 10, requestsPerSecond: 10 } },
      });
      for (let i = 0; i < 40; i++) partner.store.upsert('note', `sb-${String(i).padStart(2, '0')}`, { i });
      // The full diff needs the checkpoint row the incremental run would make; both start together.
      await sys.rt.db.syncCheckpoint.create({ data: { connectionId: conn } });
      const slotLog = await logRequestSlots(sys.rt.db, conn, 100);
      try {
        const [inc, full] = await Promise.all([run(conn, 'incremental'), run(conn, 'full')]);
        expect(inc.result).toMatchObject({ status: 'succeeded', recordsSeen: 40 });
        expect(full.result).toMatchObject({ status: 'succeeded', recordsSeen: 40 });

        // Both runs' list requests against the one budget (10 a second): every request holds a slot, the
        // slots of both runs together are 100 ms apart, and no request went ahead of its slot. With a budget
        // per run, the two runs' slots would interleave a few ms apart.
        const at = partner.lists.requests.map((r) => r.at);
        expect(new Set(partner.lists.requests.map((r) => r.path)).size).toBe(2);
        expect(at.length).toBeGreaterThanOrEqual(8);
        expect(budgetViolations(await slotLog.slots(), at, 100)).toEqual([]);
      } finally {
        await slotLog.close();
      }
    } finally {
      await partner.close();
    }
  });

  it('commits every page exactly once when two runs race on one checkpoint', async () => {
    // Its own partner, slowed so both runs hold a fetched page when the other commits.
    const partner = await startPartnerSimulator({ apiKey: PARTNER_API_KEY });
    const conn = await sys.addConnection({
      name: 'twin',
      signature: STRIPE,
      secrets: [SECRET],
      apiBaseUrl: partner.url,
      settings: { changes: changesSettings('cursor'), reconcile: { pageSize: 50, pagesPerActivity: 5 } },
    });
    for (let i = 0; i < 1_000; i++) partner.store.upsert('ticket', `twin-${i}`, { i });
    partner.lists.controls.delayMs = 30;

    const [a, b] = await Promise.all([run(conn, 'incremental'), run(conn, 'incremental')]);

    expect(a.result.status).toBe('succeeded');
    expect(b.result.status).toBe('succeeded');
    expect(await differences(sys.rt.db, conn, partner.store)).toEqual([]);
    // Both runs fetched, but each of the 20 pages of 50 was committed by one of them only (a page
    // committed twice would add 50 more records seen). The run that finishes second may also commit
    // the empty page at the end of the list, as any run starting at the head does.
    expect(a.result.recordsSeen + b.result.recordsSeen).toBe(1_000);
    expect([20, 21]).toContain(a.result.pages + b.result.pages);
    expect(a.result.recordsChanged + b.result.recordsChanged).toBe(1_000);
    const fetched = partner.lists.requests.filter((r) => r.path === '/api/changes' && r.status === 200);
    expect(fetched.length).toBeGreaterThan(20);
    const rows = await sys.rt.db.syncRecord.findMany({ where: { connectionId: conn }, select: { writeCount: true } });
    expect(rows.every((r) => r.writeCount === 1)).toBe(true);
    await partner.close();
  });

  it('never lets the poll regress an object a webhook already brought to a newer version', async () => {
    const conn = await sys.addConnection({
      name: 'race',
      signature: STRIPE,
      secrets: [SECRET],
      settings: { changes: changesSettings('cursor'), reconcile: { pageSize: 25 } },
    });
    await sys.rt.db.syncCheckpoint.create({
      data: { connectionId: conn, cursor: Buffer.from(`seq:${lastSeq()}`).toString('base64url') },
    });
    const ids = Array.from({ length: 60 }, (_, i) => `race-${i}`);
    // Three versions each; the change list holds all of them, oldest first.
    for (let v = 1; v <= 3; v++) for (const id of ids) store().upsert('deal', id, { stage: v });
    const latest = ids.map((id) => store().get('deal', id)!);
    const sender = sys.sender(conn, STRIPE, SECRET);
    const events = latest.map((s) => sys.partner.events.fromChange(store().changeAt(s.version)!));

    // Webhooks for the newest versions race the poll that replays every older version.
    const polling = run(conn, 'incremental');
    const observed = new Map<string, bigint>();
    let regressions = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const r of await sys.rt.db.syncRecord.findMany({ where: { connectionId: conn } })) {
          const seen = observed.get(r.objectId) ?? 0n;
          if (r.version < seen) regressions += 1;
          observed.set(r.objectId, r.version > seen ? r.version : seen);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await Promise.all(events.map((e) => sender.deliver(e)));
    const { result } = await polling;
    for (const e of events) await waitForEventStatus(sys.rt.db, conn, e.id, 'processed');
    watching = false;
    await watcher;

    expect(result.status).toBe('succeeded');
    expect(regressions).toBe(0);
    for (const s of latest)
      expect(await record(sys.rt.db, conn, 'deal', s.id)).toMatchObject({
        version: BigInt(s.version),
        data: { stage: 3 },
      });

    // And deterministically: a webhook-applied newest version, then a poll of only older versions.
    const lone = store().upsert('deal', 'race-lone', { stage: 'old' });
    store().upsert('deal', 'race-lone', { stage: 'older-but-listed-later' });
    const newest = store().upsert('deal', 'race-lone', { stage: 'newest' });
    const ev = sys.partner.events.fromChange(store().changeAt(newest.version)!);
    expect((await sender.deliver(ev)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, ev.id, 'processed');
    const writesBefore = (await record(sys.rt.db, conn, 'deal', 'race-lone'))!.writeCount;
    await run(conn, 'incremental');
    expect(await record(sys.rt.db, conn, 'deal', 'race-lone')).toMatchObject({
      version: BigInt(newest.version),
      data: { stage: 'newest' },
      writeCount: writesBefore,
    });
    expect(lone.version).toBeLessThan(newest.version);
  });

  it('resolves a parked webhook event as superseded when the poll brings its object to a newer version', async () => {
    const conn = await sys.addConnection({
      name: 'supersede',
      signature: STRIPE,
      secrets: [SECRET],
      settings: { changes: changesSettings('cursor') },
    });
    await sys.rt.db.syncCheckpoint.create({
      data: { connectionId: conn, cursor: Buffer.from(`seq:${lastSeq()}`).toString('base64url') },
    });
    const first = store().upsert('order', 'sup-1', { total: 1 });
    sys.partner.faults.failAlways({ type: 'order', id: 'sup-1' }, { status: 403 });
    const ev = sys.partner.events.fromChange(store().changeAt(first.version)!);
    expect((await sys.sender(conn, STRIPE, SECRET).deliver(ev)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, ev.id, 'parked');
    sys.partner.faults.clear({ type: 'order', id: 'sup-1' });
    const newer = store().upsert('order', 'sup-1', { total: 2 });

    const { result } = await run(conn, 'incremental');

    expect(result.recordsChanged).toBe(1);
    expect(await record(sys.rt.db, conn, 'order', 'sup-1')).toMatchObject({
      version: BigInt(newer.version),
      source: `reconcile:${result.runId}`,
    });
    await waitForEventStatus(sys.rt.db, conn, ev.id, 'superseded');
  });

  it('finds deletes no webhook announced with a full diff, keeping versions', async () => {
    // Restoring is off here: the shared partner lists thousands of other tests' objects this connection never held.
    const conn = await sys.addConnection({
      name: 'diff',
      signature: STRIPE,
      secrets: [SECRET],
      settings: {
        changes: changesSettings('cursor', 'page'),
        reconcile: { pageSize: 100, maxPagesPerExecution: 20, fullDiff: { restoreMissing: false } },
      },
    });
    const mine = Array.from({ length: 300 }, (_, i) => store().upsert('lead', `diff-${i}`, { i }));
    await applyStates(
      sys.rt.db,
      conn,
      'webhook:seeded',
      mine.map((s) => ({
        objectType: s.type,
        objectId: s.id,
        state: { found: true, version: s.version, data: { ...s.data } },
      })),
    );
    // Other objects of the shared partner are live too; locally we only hold `mine`.
    const gone = mine.filter((_, i) => i % 15 === 0);
    for (const s of gone) store().delete(s.type, s.id);

    const { handle, result } = await run(conn, 'full');

    // The listing spans more pages than one execution takes: the cursor rides through continue-as-new.
    expect(await firstExecutionStatus(handle)).toBe('CONTINUED_AS_NEW');
    expect(result.pages).toBeGreaterThan(20);
    expect(result.recordsSeen).toBe(
      store()
        .all()
        .filter((o) => !o.deleted).length,
    );
    expect(result).toMatchObject({
      status: 'succeeded',
      recordsDeleted: gone.length,
      deletePlan: { candidates: gone.length, live: 300, blocked: false },
    });
    for (const s of gone)
      expect(await record(sys.rt.db, conn, 'lead', s.id)).toMatchObject({ deleted: true, version: BigInt(s.version) });
    const live = await sys.rt.db.syncRecord.count({ where: { connectionId: conn, deleted: false } });
    expect(live).toBe(300 - gone.length);
    expect(await sys.rt.db.reconcileSeenId.count({ where: { runId: result.runId } })).toBe(0);
  });

  it('restores with a full diff what the partner lists and this copy lacks, revives a wrong tombstone, within the cap and the rate limit', async () => {
    const partner = await startPartnerSimulator({ apiKey: PARTNER_API_KEY });
    try {
      const conn = await sys.addConnection({
        name: 'restore',
        signature: STRIPE,
        secrets: [SECRET],
        apiBaseUrl: partner.url,
        // Two activity calls per execution: restoring continues as new with its progress.
        settings: {
          changes: changesSettings('cursor', 'page'),
          reconcile: { pageSize: 50, maxPagesPerExecution: 2, fullDiff: { maxRestoresPerRun: 20 } },
        },
      });
      const objs = Array.from({ length: 60 }, (_, i) =>
        partner.store.upsert('deal', `r-${String(i).padStart(2, '0')}`, { i }),
      );
      // Webhooks brought the first 30; the other 30 never arrived, and the partner's change log no longer has them.
      await applyStates(
        sys.rt.db,
        conn,
        'webhook:seeded',
        objs.slice(0, 30).map((s) => ({
          objectType: s.type,
          objectId: s.id,
          state: { found: true, version: s.version, data: { ...s.data } },
        })),
      );
      // r-05 was tombstoned by an earlier full diff of a bad listing: same version, deleted.
      await sys.rt.db
        .$executeRaw`UPDATE sync_records SET deleted = true, data = NULL WHERE connection_id = ${conn} AND object_id = 'r-05'`;
      partner.faults.failNext({ type: 'deal', id: 'r-05' }, 1, { status: 429, retryAfterSec: 1 });

      // The cap (20 fetches) takes r-05 and then the first 19 missing, in key order.
      const first = await run(conn, 'full');
      expect(first.result).toMatchObject({
        status: 'succeeded',
        recordsSeen: 60,
        recordsChanged: 20,
        recordsDeleted: 0,
      });
      expect(await firstExecutionStatus(first.handle)).toBe('CONTINUED_AS_NEW');
      expect(await timerDelays(first.handle.workflowId, first.handle.firstExecutionRunId)).toEqual([1_000]);
      expect(await record(sys.rt.db, conn, 'deal', 'r-05')).toMatchObject({
        deleted: false,
        version: BigInt(objs[5]!.version),
        data: { i: 5 },
      });
      expect(await record(sys.rt.db, conn, 'deal', 'r-48')).toMatchObject({
        deleted: false,
        version: BigInt(objs[48]!.version),
        source: `reconcile:${first.result.runId}`,
      });
      expect(await record(sys.rt.db, conn, 'deal', 'r-49')).toBeNull();
      await waitFor('the cap alert', async () => alerts('reconcile.restore_capped', conn).length > 0);
      expect(alerts('reconcile.restore_capped', conn)).toEqual([
        expect.objectContaining({ fields: { runId: first.result.runId } }),
      ]);

      const second = await run(conn, 'full');
      expect(second.result).toMatchObject({ status: 'succeeded', recordsChanged: 11, recordsDeleted: 0 });
      expect(await differences(sys.rt.db, conn, partner.store)).toEqual([]);
      expect(alerts('reconcile.restore_capped', conn)).toHaveLength(1);
      // Each object was fetched once (r-05 twice: the 429, then the answer), and a third run, with nothing missing, fetches none.
      const fetches = () => objs.map((o) => partner.store.fetchCount(o.type, o.id));
      expect(fetches()).toEqual(objs.map((_, i) => (i === 5 ? 2 : i >= 30 ? 1 : 0)));
      const third = await run(conn, 'full');
      expect(third.result).toMatchObject({ status: 'succeeded', recordsChanged: 0, recordsDeleted: 0 });
      expect(fetches()).toEqual(objs.map((_, i) => (i === 5 ? 2 : i >= 30 ? 1 : 0)));
    } finally {
      await partner.close();
    }
  });

  it('skips an object the partner serves malformed while restoring, and restores it once the partner mends it', async () => {
    const partner = await startPartnerSimulator({ apiKey: PARTNER_API_KEY });
    try {
      const conn = await sys.addConnection({
        name: 'restore-bad',
        signature: STRIPE,
        secrets: [SECRET],
        apiBaseUrl: partner.url,
        settings: { changes: changesSettings('cursor', 'page'), reconcile: { pageSize: 50 } },
      });
      for (let i = 0; i < 5; i++) partner.store.upsert('deal', `m-${i}`, { i });
      // 200 with no version or data: the connector calls it malformed.
      partner.faults.failAlways({ type: 'deal', id: 'm-2' }, { status: 200 });
      const first = await run(conn, 'full');
      expect(first.result).toMatchObject({ status: 'succeeded', recordsChanged: 4 });
      expect(await record(sys.rt.db, conn, 'deal', 'm-2')).toBeNull();
      expect(await record(sys.rt.db, conn, 'deal', 'm-3')).toMatchObject({ deleted: false, data: { i: 3 } });
      await waitFor('the skip alert', async () => alerts('reconcile.restore_skipped', conn).length > 0);
      expect(alerts('reconcile.restore_skipped', conn)).toEqual([
        expect.objectContaining({
          title: 'Full diff skipped deal/m-2: the partner serves it malformed',
          fields: expect.objectContaining({ runId: first.result.runId, objectType: 'deal', objectId: 'm-2' }),
        }),
      ]);

      partner.faults.clear();
      const second = await run(conn, 'full');
      expect(second.result).toMatchObject({ status: 'succeeded', recordsChanged: 1 });
      expect(await differences(sys.rt.db, conn, partner.store)).toEqual([]);
    } finally {
      await partner.close();
    }
  });
});

function store() {
  return sys.partner.store;
}

function lastSeq(): number {
  return store()
    .all()
    .reduce((m, o) => Math.max(m, o.version), 0);
}
