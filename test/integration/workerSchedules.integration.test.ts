// A worker process creates the maintenance schedules (reconciliation health
// check, event retention) for its task queue at start, so a deployment has
// them without a manual `syncline reconcile sync`; two workers starting side
// by side both start, and leave one schedule of each. Its own dev server: the
// shared one must not get process-wide schedules from a test.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseEnv } from '../../src/config';
import { EncryptionCodec } from '../../src/crypto/payloadCodec';
import { temporalDataConverter } from '../../src/temporal/dataConverter';
import { HEALTH_SCHEDULE_ID, RETENTION_SCHEDULE_ID, SWEEP_SCHEDULE_ID } from '../../src/reconcile/schedules';
import { startOwnTemporal, type OwnTemporal } from '../support/ownTemporal';
import { spawnWorker, type SynclineProcess } from '../support/synclineProcess';
import { uniqueName } from '../support/system';
import { waitFor } from '../support/wait';

let temporal: OwnTemporal | undefined;
let connection: Connection | undefined;
const workers: SynclineProcess[] = [];

beforeAll(async () => {
  temporal = await startOwnTemporal('worker-schedules');
  connection = await Connection.connect({ address: temporal.address });
});
afterAll(async () => {
  for (const w of workers) await w.kill('SIGTERM');
  await connection?.close();
  await temporal?.stop();
});

describe('worker start-up', () => {
  it('creates the health-check and retention schedules for its task queue, once, with two workers starting at once', async () => {
    const taskQueue = `test-${uniqueName('wsched')}`;
    const env = parseEnv({
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: temporal!.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATA_DIR: inject('runDir'),
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    const on = { WORKER_MAINTENANCE_SCHEDULES: 'true', LOG_LEVEL: 'info' };
    workers.push(spawnWorker(env, on), spawnWorker(env, on));
    // The workers encrypt the schedules' arguments and memos: the test reads them with the same key.
    const client = new Client({
      connection: connection!,
      dataConverter: temporalDataConverter(new EncryptionCodec(Buffer.alloc(32, 7))),
    });

    // Each worker logs the outcome of its ensure once it is up (created by one, found by the other).
    await waitFor(
      'both workers to have their schedules in place',
      async () => workers.every((w) => w.output().includes('"event":"worker.schedules"')),
      90_000,
    );
    for (const w of workers)
      expect(w.output(), 'no worker failed to ensure them').not.toContain('worker.schedules_failed');
    const health = await client.schedule.getHandle(HEALTH_SCHEDULE_ID).describe();
    const retention = await client.schedule.getHandle(RETENTION_SCHEDULE_ID).describe();

    expect(health.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconcileHealth', taskQueue });
    expect(retention.action).toMatchObject({ type: 'startWorkflow', workflowType: 'pruneEventRows', taskQueue });
    expect(retention.spec.intervals).toMatchObject([{ every: 86_400_000 }]);
    const sweep = await client.schedule.getHandle(SWEEP_SCHEDULE_ID).describe();
    expect(sweep.action).toMatchObject({ type: 'startWorkflow', workflowType: 'sweepClosedWorkflows', taskQueue });
    for (const w of workers) expect(w.child.exitCode, w.output()).toBeNull();
    const ids: string[] = [];
    for await (const s of client.schedule.list()) ids.push(s.scheduleId);
    expect(ids.sort()).toEqual([RETENTION_SCHEDULE_ID, HEALTH_SCHEDULE_ID, SWEEP_SCHEDULE_ID].sort());
  });
});
