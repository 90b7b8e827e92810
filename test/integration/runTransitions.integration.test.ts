// The reconcile_runs status table (src/store/runTransitions.ts) is enforced by
// the store's SQL, not only declared: on a real database, an ended run refuses
// another ending, a blocked run may resume, and a repeated write of the same
// status is a no-op, as a retried activity needs.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type Db } from '../../src/db/prisma';
import { RunTransitionRefusedError } from '../../src/errors/storeErrors';
import { addDeletedToRun, blockRun, createRun, finishRun, settleOpenRun } from '../../src/store/reconcileState';
import { uniqueName } from '../support/system';

let db: Db;
let connectionId: string;

beforeAll(async () => {
  db = createDb({ url: inject('databaseUrl') });
  connectionId = uniqueName('run-transitions');
  await db.connection.create({
    data: { id: connectionId, connector: 'rest', displayName: connectionId, secretsEnc: 'unused' },
  });
});
afterAll(async () => {
  await db?.$disconnect();
});

async function newRun(): Promise<string> {
  const runId = uniqueName('run');
  await createRun(db, { runId, connectionId, workflowId: `wf-${runId}`, mode: 'full' });
  return runId;
}

const statusOf = async (runId: string) => (await db.reconcileRun.findUniqueOrThrow({ where: { id: runId } })).status;

describe('reconcile run status writes', () => {
  it('refuse to end an ended run differently, and repeat the same ending as a no-op', async () => {
    const runId = await newRun();
    expect((await finishRun(db, { runId, status: 'succeeded' })).status).toBe('succeeded');
    expect((await finishRun(db, { runId, status: 'succeeded' })).status).toBe('succeeded');
    await expect(finishRun(db, { runId, status: 'failed', error: 'late' })).rejects.toBeInstanceOf(
      RunTransitionRefusedError,
    );
    await expect(blockRun(db, runId, 'late guard')).rejects.toBeInstanceOf(RunTransitionRefusedError);
    await expect(addDeletedToRun(db, runId, 5)).rejects.toBeInstanceOf(RunTransitionRefusedError);
    const row = await db.reconcileRun.findUniqueOrThrow({ where: { id: runId } });
    expect(row).toMatchObject({ status: 'succeeded', error: null, recordsDeleted: 0 });
  });

  it('let a blocked run resume with its deletions counted, then end', async () => {
    const runId = await newRun();
    expect(await blockRun(db, runId, 'mass deletion blocked')).toBe(`wf-${runId}`);
    expect(await statusOf(runId)).toBe('blocked');
    expect(await addDeletedToRun(db, runId, 3)).toMatchObject({ recordsDeleted: 3 });
    expect((await finishRun(db, { runId, status: 'succeeded' })).status).toBe('succeeded');
  });

  it('settle only open runs from outside, and refuse a settling the table does not list', async () => {
    const runId = await newRun();
    expect(await settleOpenRun(db, { runId, from: 'running', status: 'terminated', error: 'gone' })).toBe(true);
    expect(await settleOpenRun(db, { runId, from: 'running', status: 'cancelled', error: 'again' })).toBe(false);
    await expect(
      settleOpenRun(db, { runId, from: 'terminated', status: 'running', error: 'back' }),
    ).rejects.toBeInstanceOf(RunTransitionRefusedError);
    expect(await statusOf(runId)).toBe('terminated');
  });

  it('report a missing run as missing, not as a refused transition', async () => {
    const err = await finishRun(db, { runId: 'no-such-run', status: 'failed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(RunTransitionRefusedError);
  });
});
