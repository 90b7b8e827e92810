// A reconciliation run with a checkpoint, on the production-shaped cluster
// (test/support/clusterSetup.ts): the reconcile workflow pages through the
// partner simulator's changes, continues as new between executions, leaves a
// checkpoint, and the next run starts from it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/contracts/reconcileContract';
import type { SignatureConfig } from '../../src/signatures/types';
import { changesSettings, differences, reconcileService } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';

const STRIPE: SignatureConfig = { scheme: 'stripe' };

let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem('cluster-reconcile');
});
afterAll(async () => {
  await sys?.stop();
});

describe('reconciliation on a Temporal cluster', () => {
  it('copies what the partner changed, records a checkpoint, and starts the next run from it', async () => {
    const conn = await sys.addConnection({
      name: 'rc',
      signature: STRIPE,
      secrets: ['whsec_cluster_reconcile'],
      settings: { changes: changesSettings('cursor'), reconcile: { pageSize: 50, maxPagesPerExecution: 2 } },
    });
    const store = sys.partner.store;
    const snaps = Array.from({ length: 200 }, (_, i) => store.upsert('contact', `k-${i}`, { n: i }));
    expect((await differences(sys.rt.db, conn, store)).length).toBe(200);

    const handle = await reconcileService(sys).runNow(conn, 'incremental');
    const result = (await handle.result()) as ReconcileResult;
    expect(result).toMatchObject({ status: 'succeeded', recordsSeen: 200, recordsChanged: 200, recordsDeleted: 0 });
    expect(result.pages).toBeGreaterThanOrEqual(4);
    // Two pages per execution: the run continued as new on the cluster's history service.
    const first = await sys.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    expect(await differences(sys.rt.db, conn, store)).toEqual([]);
    const cp = await sys.rt.db.syncCheckpoint.findUniqueOrThrow({ where: { connectionId: conn } });
    expect(cp.highWaterMark).toBe(BigInt(snaps.at(-1)!.version));
    const row = await sys.rt.db.reconcileRun.findUniqueOrThrow({ where: { id: result.runId } });
    expect(row).toMatchObject({ status: 'succeeded', recordsChanged: 200, checkpointReached: result.checkpoint });

    // From the checkpoint: only what changed since.
    store.upsert('contact', 'k-7', { n: 7, stage: 'won' });
    const again = (await (await reconcileService(sys).runNow(conn, 'incremental')).result()) as ReconcileResult;
    expect(again).toMatchObject({ status: 'succeeded', recordsSeen: 1, recordsChanged: 1 });
    expect(await differences(sys.rt.db, conn, store)).toEqual([]);
  });
});
