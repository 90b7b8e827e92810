// Event-row retention on the real worker, Temporal and PostgreSQL: the daily
// run deletes finished rows older than EVENT_RETENTION_DAYS and nothing else,
// its schedule starts it, and a partner re-delivering an event whose row and
// run are both gone gets it processed again as a no-op for our copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetentionActivities } from '../../src/activities/retention';
import { pruneEventRows } from '../../src/workflows/pruneEventRows';
import { ScheduleManager } from '../../src/reconcile/schedules';
import type { SignatureConfig } from '../../src/signatures/types';
import { eventRow, record, waitForEventStatus } from '../support/events';
import { deleteClosedRun } from '../support/deleteRun';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_retention_secret';
const DAY_MS = 86_400_000;
const RETENTION_DAYS = 30;

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem('retention', { EVENT_RETENTION_DAYS: String(RETENTION_DAYS) });
});
afterAll(async () => {
  await sys?.stop();
});

const daysAgo = (d: number) => new Date(Date.now() - d * DAY_MS);
const taskQueue = () => `test-${sys.prefix}`;

function prune(): Promise<{ deleted: number; cutoff: string | null }> {
  return sys.client.workflow.execute(pruneEventRows, {
    taskQueue: taskQueue(),
    workflowId: `${sys.prefix}-prune-${Date.now()}`,
  });
}

/** A row as the workflow leaves it: `finishedDaysAgo` null = not finished (parked, in flight). */
async function row(
  conn: string,
  eventId: string,
  status: string,
  receivedDaysAgo: number,
  finishedDaysAgo: number | null,
): Promise<bigint> {
  const created = await sys.rt.db.webhookEvent.create({
    data: {
      connectionId: conn,
      eventId,
      eventType: 'order.updated',
      objectType: 'order',
      objectId: eventId,
      status,
      workflowId: `event:${conn}:${eventId}`,
      payloadBytes: 10,
      receivedAt: daysAgo(receivedDaysAgo),
      finishedAt: finishedDaysAgo === null ? null : daysAgo(finishedDaysAgo),
    },
  });
  return created.id;
}

describe('event-row retention', () => {
  it('deletes rows that finished before the retention window and keeps parked, failed, in-flight and recent ones', async () => {
    const conn = await sys.addConnection({ name: 'prune', signature: STRIPE, secrets: [SECRET] });
    await row(conn, 'old-processed', 'processed', 41, 40);
    const skipped = await row(conn, 'old-skipped', 'skipped', 61, 60);
    await row(conn, 'old-superseded', 'superseded', 35, 31);
    await row(conn, 'recent-processed', 'processed', 30, 29);
    await row(conn, 'old-parked', 'parked', 90, null);
    await row(conn, 'old-failed', 'failed', 90, 89);
    await row(conn, 'old-accepted', 'accepted', 90, null);
    await sys.rt.db.operatorAction.create({
      data: {
        connectionId: conn,
        eventRowId: skipped,
        workflowId: `event:${conn}:old-skipped`,
        action: 'skip',
        actor: 'ops',
        reason: 'test',
        result: 'skipped',
      },
    });

    const result = await prune();

    expect(result.deleted).toBe(3);
    expect(Date.parse(result.cutoff!)).toBeLessThanOrEqual(daysAgo(RETENTION_DAYS).getTime());
    const left = await sys.rt.db.webhookEvent.findMany({
      where: { connectionId: conn },
      select: { eventId: true },
      orderBy: { eventId: 'asc' },
    });
    expect(left.map((r) => r.eventId)).toEqual(['old-accepted', 'old-failed', 'old-parked', 'recent-processed']);
    // The audit outlives the row it was about.
    expect(await sys.rt.db.operatorAction.count({ where: { connectionId: conn } })).toBe(1);
    expect((await prune()).deleted).toBe(0);
  });

  it('processes a re-delivery again, as a no-op for the copy, once both its row and its run are gone', async () => {
    const conn = await sys.addConnection({ name: 'redeliver', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(conn, STRIPE, SECRET);
    const snap = sys.partner.store.upsert('order', 'o-old', { total: 7 });
    const delivery = sender.build(sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!));
    expect((await sender.send(delivery)).status).toBe(202);
    const first = await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed');
    await sys.client.workflow.getHandle(first.workflowId).result();
    // Both windows pass: the row ages out of EVENT_RETENTION_DAYS and Temporal's retention deletes the run.
    await sys.rt.db.webhookEvent.update({
      where: { id: first.id },
      data: { receivedAt: daysAgo(45), finishedAt: daysAgo(45) },
    });
    await deleteClosedRun(sys.client, first.workflowId);
    expect((await prune()).deleted).toBeGreaterThanOrEqual(1);
    expect(await eventRow(sys.rt.db, conn, delivery.eventId)).toBeNull();

    expect((await sender.send(delivery)).status).toBe(202);

    expect(await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed')).toMatchObject({
      outcome: 'unchanged',
      deliveryCount: 1,
    });
    expect(await record(sys.rt.db, conn, 'order', 'o-old')).toMatchObject({
      version: BigInt(snap.version),
      writeCount: 1,
    });
  });

  it('keeps every row when retention is 0', async () => {
    const conn = await sys.addConnection({ name: 'keep', signature: STRIPE, secrets: [SECRET] });
    await row(conn, 'ancient', 'processed', 400, 400);
    const off = createRetentionActivities({ db: sys.rt.db, eventRetentionDays: 0 });
    expect(await off.pruneEventRows()).toEqual({ deleted: 0, cutoff: null });
    expect(await eventRow(sys.rt.db, conn, 'ancient')).not.toBeNull();
  });

  it('has a daily schedule that starts the retention run on the worker', async () => {
    const schedules = new ScheduleManager(sys.client, sys.rt.db, sys.rt.connections, taskQueue(), sys.rt.log);
    // Its own id: other test files share this Temporal server and may sync the default one.
    const scheduleId = `${sys.prefix}-events-retention`;
    const handle = sys.client.schedule.getHandle(scheduleId);
    try {
      expect(await schedules.ensureRetentionSchedule({ scheduleId })).toBe('created');
      expect(await schedules.ensureRetentionSchedule({ scheduleId })).toBe('unchanged');
      const described = await handle.describe();
      expect(described.spec.intervals).toMatchObject([{ every: DAY_MS }]);
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'pruneEventRows',
        taskQueue: taskQueue(),
      });

      await handle.trigger();
      const run = await waitFor(
        'the triggered run',
        async () => (await handle.describe()).info.recentActions[0]?.action.workflow,
      );
      expect(await sys.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result()).toMatchObject({
        deleted: expect.any(Number),
      });
    } finally {
      await handle.delete().catch(() => undefined);
    }
  });
});
