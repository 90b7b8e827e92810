// Reconciliation operations on the real Temporal dev server: per-connection
// schedules (create/update/remove, pause, trigger, backfill), a polling-only
// connector kept in sync by its schedule, the mass-deletion guard with an
// operator's answer, and the health alerts. A worker with a recording alerter
// runs this file's workflows.
import { notifyDepsFromEnv } from '../../src/notifications/notifyConfig';
import { systemPartnerClock } from '../../src/connectors/observedVersion';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Alert, Alerter } from '../../src/alerts/types';
import { ScheduleManager, scheduleId } from '../../src/reconcile/schedules';
import { ReconcileService } from '../../src/reconcile/reconcileService';
import type { ReconcileResult } from '../../src/contracts/reconcileContract';
import { reconcileHealth } from '../../src/workflows/reconcileHealth';
import { type PartnerSimulator, startPartnerSimulator } from '../../dev/simulator';
import { connectWorker, targetFromEnv } from '../../src/temporal/connection';
import { temporalDataConverter } from '../../src/temporal/dataConverter';
import { createMetrics } from '../../src/metrics/metricsRegistry';
import { createWorker } from '../../src/worker/createWorker';
import { changesSettings, differences } from '../support/reconcileFixtures';
import { PARTNER_API_KEY, startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

class RecordingAlerter implements Alerter {
  readonly sent: Alert[] = [];
  async send(alert: Alert): Promise<void> {
    this.sent.push(alert);
  }
}

let sys: TestSystem;
let worker: Worker;
let running: Promise<void>;
let service: ReconcileService;
let schedules: ScheduleManager;
const alerter = new RecordingAlerter();
const partners: PartnerSimulator[] = [];

async function newPartner(): Promise<PartnerSimulator> {
  const p = await startPartnerSimulator({ apiKey: PARTNER_API_KEY });
  partners.push(p);
  return p;
}

beforeAll(async () => {
  sys = await startTestSystem('recon-ops');
  const queue = `ops-${sys.prefix}`;
  const target = targetFromEnv(sys.rt.env);
  worker = await createWorker({
    connection: await connectWorker(target),
    namespace: target.namespace,
    taskQueue: queue,
    deps: {
      db: sys.rt.db,
      connections: sys.rt.connections,
      box: sys.rt.box,
      http: fetch,
      partnerClock: systemPartnerClock,
      alerter,
      temporal: sys.client,
      links: { namespace: target.namespace },
      metrics: createMetrics(),
      eventRetentionDays: 0,
      notify: notifyDepsFromEnv(sys.rt.env),
    },
    workflowBundlePath: inject('workflowBundlePath'),
    dataConverter: temporalDataConverter(sys.rt.codec),
  });
  running = worker.run();
  schedules = new ScheduleManager(sys.client, sys.rt.db, sys.rt.connections, queue, sys.rt.log);
  service = new ReconcileService(sys.client, sys.rt.db, schedules, queue);
});
afterAll(async () => {
  for (const p of partners) await p.close();
  worker?.shutdown();
  await running;
  await sys?.stop();
});

const runsOf = (connectionId: string) =>
  sys.rt.db.reconcileRun.findMany({ where: { connectionId }, orderBy: { startedAt: 'asc' } });

describe('reconciliation schedules and operations', () => {
  it('keeps a polling-only connector in sync with a stream of partner changes over several scheduled runs', async () => {
    const partner = await newPartner();
    const conn = await sys.addConnection({
      name: 'pollonly',
      signature: { scheme: 'stripe' },
      secrets: [],
      apiBaseUrl: partner.url,
      settings: {
        signature: null,
        changes: changesSettings('cursor'),
        reconcile: { intervalMs: 2_000, catchupWindowMs: 10_000, pageSize: 50, fullDiff: { enabled: false } },
      },
    });
    const webhook = await fetch(`${sys.api.url}/webhooks/${conn}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(webhook.status).toBe(404);
    expect(await schedules.syncConnection(conn)).toEqual({ incremental: 'created', full: 'absent' });
    expect(await schedules.syncConnection(conn)).toEqual({ incremental: 'unchanged', full: 'absent' });

    // The partner keeps changing while the schedule polls; stop once three scheduled runs have succeeded.
    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        const id = `p-${n % 150}`;
        if (n % 11 === 10 && partner.store.get('task', id) && !partner.store.get('task', id)!.deleted)
          partner.store.delete('task', id);
        else partner.store.upsert('task', id, { n });
        n += 1;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await waitFor(
      'three scheduled runs to succeed',
      async () => (await runsOf(conn)).filter((r) => r.status === 'succeeded').length >= 3,
      60_000,
    );
    writing = false;
    await writer;
    await waitFor(
      'the local copy to equal the partner',
      async () => (await differences(sys.rt.db, conn, partner.store)).length === 0,
      30_000,
    );

    const runs = await runsOf(conn);
    expect(runs.every((r) => r.workflowId.startsWith(scheduleId(conn, 'incremental')))).toBe(true);
    expect(runs.filter((r) => r.recordsChanged > 0).length).toBeGreaterThanOrEqual(2);
    expect(n).toBeGreaterThan(150);

    await sys.rt.connections.setEnabled(conn, false);
    expect(await schedules.syncConnection(conn)).toEqual({ incremental: 'removed', full: 'absent' });
    await expect(sys.client.schedule.getHandle(scheduleId(conn, 'incremental')).describe()).rejects.toBeInstanceOf(
      ScheduleNotFoundError,
    );
  });

  it('updates a schedule when settings change, keeps it paused, and runs it on trigger and backfill', async () => {
    const partner = await newPartner();
    const settings = (intervalMs: number) => ({
      changes: changesSettings('cursor'),
      reconcile: { intervalMs, fullDiff: { intervalMs: 86_400_000 } },
    });
    const conn = await sys.addConnection({
      name: 'sched',
      signature: { scheme: 'stripe' },
      secrets: ['s'],
      apiBaseUrl: partner.url,
      settings: settings(3_600_000),
    });
    partner.store.upsert('item', 'i-1', { v: 1 });
    expect(await schedules.syncConnection(conn)).toEqual({ incremental: 'created', full: 'created' });
    await service.pause(conn, 'incremental', 'maintenance');

    const raw = await sys.rt.db.connection.findUniqueOrThrow({ where: { id: conn } });
    await sys.rt.connections.upsert({
      id: conn,
      connector: 'rest',
      apiBaseUrl: partner.url,
      signingSecrets: ['s'],
      credentials: { apiKey: PARTNER_API_KEY },
      settings: { ...(raw.settings as object), ...settings(7_200_000) },
    });
    expect(await schedules.syncConnection(conn)).toEqual({ incremental: 'updated', full: 'unchanged' });
    // Schedule changes reach the schedule asynchronously: wait until describe shows them.
    let status = await waitFor('the pause and the new interval to show', async () => {
      const st = await service.status(conn);
      return st.schedules.incremental?.paused && st.schedules.incremental.intervalMs === 7_200_000 ? st : undefined;
    });
    expect(status.schedules.incremental).toMatchObject({ paused: true, note: 'maintenance', intervalMs: 7_200_000 });
    expect(status.schedules.full).toMatchObject({ paused: false, intervalMs: 86_400_000 });

    await service.trigger(conn);
    await waitFor('the triggered run', async () => (await runsOf(conn)).find((r) => r.status === 'succeeded'));
    await service.unpause(conn);
    partner.store.upsert('item', 'i-2', { v: 2 });
    const end = new Date();
    await service.backfill(conn, { start: new Date(end.getTime() - 4 * 3_600_000), end });
    await waitFor(
      'a backfilled run to apply the new change',
      async () => (await differences(sys.rt.db, conn, partner.store)).length === 0,
    );
    status = await waitFor('the unpause to show', async () => {
      const st = await service.status(conn);
      return st.schedules.incremental?.paused === false ? st : undefined;
    });
    expect(status.checkpoint?.highWaterMark).toBe(String(partner.store.get('item', 'i-2')!.version));
    expect((await service.runs(conn)).length).toBeGreaterThanOrEqual(2);
    for (const mode of ['incremental', 'full'] as const) expect(await schedules.remove(conn, mode)).toBe('removed');
  });

  it('stops a full diff of a truncated listing, alerts, keeps the data, and deletes only when an operator confirms', async () => {
    const partner = await newPartner();
    const conn = await sys.addConnection({
      name: 'guard',
      signature: { scheme: 'stripe' },
      secrets: ['s'],
      apiBaseUrl: partner.url,
      settings: { changes: changesSettings('cursor'), reconcile: { pageSize: 50 } },
    });
    for (let i = 0; i < 200; i++) partner.store.upsert('file', `f-${String(i).padStart(3, '0')}`, { i });
    const initial = (await (await service.runNow(conn, 'incremental')).result()) as ReconcileResult;
    expect(initial.recordsChanged).toBe(200);

    partner.lists.controls.truncateIdsAt = 80;
    const truncated = await service.runNow(conn, 'full');
    await waitFor('the run to be blocked', async () =>
      (await runsOf(conn)).find((r) => r.mode === 'full' && r.status === 'blocked'),
    );
    // The row turns blocked before the alert is sent (same activity, next step): wait for the alert too.
    await waitFor('the mass-delete alert', async () => alerter.sent.some((a) => a.connectionId === conn));
    expect(alerter.sent.filter((a) => a.connectionId === conn)).toEqual([
      expect.objectContaining({
        kind: 'reconcile.mass_delete_blocked',
        fields: expect.objectContaining({ candidates: 120, live: 200 }),
      }),
    ]);
    expect(await sys.rt.db.syncRecord.count({ where: { connectionId: conn, deleted: false } })).toBe(200);
    // What the Web UI shows for the waiting run: its current details and static summary.
    const meta = await truncated.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toContain('**blocked**: would delete 120 of 200');
    expect(await (await truncated.describe()).staticSummary()).toBe(`Manual full reconciliation of ${conn}`);
    await service.confirmDeletes(conn, false);
    const kept = (await truncated.result()) as ReconcileResult;
    expect(kept).toMatchObject({
      status: 'blocked',
      recordsDeleted: 0,
      deletePlan: { candidates: 120, blocked: true },
    });
    expect(await sys.rt.db.syncRecord.count({ where: { connectionId: conn, deleted: false } })).toBe(200);

    // A real mass deletion: the operator confirms, and exactly those records become tombstones.
    partner.lists.controls.truncateIdsAt = null;
    for (let i = 0; i < 150; i++) partner.store.delete('file', `f-${String(i).padStart(3, '0')}`);
    const real = await service.runNow(conn, 'full');
    await waitFor(
      'the second run to be blocked',
      async () =>
        (await runsOf(conn)).filter((r) => r.mode === 'full' && r.status === 'blocked' && r.finishedAt === null)
          .length === 1,
    );
    await service.confirmDeletes(conn, true);
    const done = (await real.result()) as ReconcileResult;
    expect(done).toMatchObject({ status: 'succeeded', recordsDeleted: 150 });
    expect(await sys.rt.db.syncRecord.count({ where: { connectionId: conn, deleted: false } })).toBe(50);
    const deletedRow = await sys.rt.db.syncRecord.findFirstOrThrow({
      where: { connectionId: conn, objectId: 'f-000' },
    });
    expect(deletedRow).toMatchObject({ deleted: true, version: 1n });
  });

  it('alerts when runs keep failing and when a checkpoint grows stale, leaving the checkpoint where it was', async () => {
    const partner = await newPartner();
    const conn = await sys.addConnection({
      name: 'sick',
      signature: { scheme: 'stripe' },
      secrets: ['s'],
      apiBaseUrl: partner.url,
      settings: {
        changes: changesSettings('cursor'),
        retry: { initialIntervalMs: 20, maximumIntervalMs: 50, maximumAttempts: 2 },
        reconcile: { pageSize: 10, failureAlertRuns: 3, checkpointMaxAgeMs: 3_600_000, heartbeatTimeoutMs: 120_000 },
      },
    });
    for (let i = 0; i < 25; i++) partner.store.upsert('row', `r-${i}`, { i });
    await (await service.runNow(conn, 'incremental')).result();
    const good = await sys.rt.db.syncCheckpoint.findUniqueOrThrow({ where: { connectionId: conn } });

    partner.store.upsert('row', 'r-new', { i: -1 });
    partner.faults.failListsAlways({ status: 500 });
    for (let i = 0; i < 3; i++) {
      const h = await service.runNow(conn, 'incremental');
      await expect(h.result()).rejects.toThrow();
    }
    const runs = await runsOf(conn);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed', 'failed', 'failed']);
    expect(runs.at(-1)!.error).toContain('500');
    expect((await sys.rt.db.syncCheckpoint.findUniqueOrThrow({ where: { connectionId: conn } })).cursor).toBe(
      good.cursor,
    );
    expect(alerter.sent.filter((a) => a.connectionId === conn).map((a) => a.kind)).toEqual(['reconcile.failing']);

    // No successful page for longer than the max age: the scheduled health check says so.
    await sys.rt.db
      .$executeRaw`UPDATE sync_checkpoints SET updated_at = now() - interval '2 hours' WHERE connection_id = ${conn}`;
    const found = await sys.client.workflow.execute(reconcileHealth, {
      taskQueue: `ops-${sys.prefix}`,
      workflowId: `health-${sys.prefix}`,
    });
    expect(found).toEqual(
      expect.arrayContaining([
        { kind: 'reconcile.checkpoint_stale', connectionId: conn },
        { kind: 'reconcile.failing', connectionId: conn },
      ]),
    );
    expect(alerter.sent.filter((a) => a.connectionId === conn && a.kind === 'reconcile.checkpoint_stale')).toHaveLength(
      1,
    );
  });
});
