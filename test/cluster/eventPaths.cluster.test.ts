// The event paths again, on the production-shaped cluster (test/support/clusterSetup.ts:
// separate frontend, history, matching and worker processes on PostgreSQL, SQL
// visibility, mutual TLS): concurrent duplicates answered 202 once and 200 for
// the rest, park -> replay, park -> skip, and the search attributes found by a
// visibility query, which here runs against SQL visibility rather than SQLite.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OperatorService } from '../../src/operator/operatorService';
import type { PartnerEvent } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { eventRow, record, waitForEventStatus } from '../support/events';
import { startTestSystem, TEST_UI_URL, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const SIG: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_cluster_secret';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 2 };

let sys: TestSystem;
let ops: OperatorService;

beforeAll(async () => {
  sys = await startTestSystem('cluster-events');
  ops = new OperatorService(sys.rt.db, sys.client, { uiUrl: TEST_UI_URL, namespace: 'default' });
});
afterAll(async () => {
  await sys?.stop();
});

async function connection(name: string): Promise<string> {
  return sys.addConnection({ name, signature: SIG, secrets: [SECRET], settings: { retry: FAST_RETRY } });
}

async function deliverChange(conn: string, type: string, id: string): Promise<PartnerEvent> {
  const snap = sys.partner.store.upsert(type, id, { total: 1 });
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
  expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
  return event;
}

const count = async (query: string) => (await sys.client.workflow.count(query)).count;
// docs/web-ui.md's query: a first-try success keeps `processing` and its run is Completed.
const processedOf = (conn: string) =>
  `SynclineConnection = "${conn}" AND (SynclineStatus = "processed" OR (SynclineStatus = "processing" AND ExecutionStatus = "Completed"))`;

describe('on a Temporal cluster', () => {
  it('runs on separate service processes over mutual TLS', async () => {
    const endpoints = inject('clusterEndpoints');
    expect(Object.keys(endpoints.metrics).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    expect(inject('temporalEnv').TEMPORAL_TLS_CERT_PATH).toBeTruthy();
    const info = await sys.client.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBe('1.29.1');
  });

  it('processes one event delivered 10 times concurrently once: one 202, nine 200', async () => {
    const conn = await connection('dup');
    const snap = sys.partner.store.upsert('order', 'c-dup', { total: 7 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    const sender = sys.sender(conn, SIG, SECRET);
    const delivery = sender.build(event);

    const statuses = (await Promise.all(Array.from({ length: 10 }, () => sender.send(delivery)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(9);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(sys.partner.store.fetchCount('order', 'c-dup')).toBe(1);
    expect((await record(sys.rt.db, conn, 'order', 'c-dup'))?.writeCount).toBe(1);
    // SQL visibility answers by workflow id once the run is recorded there.
    await waitFor('the single run in visibility', async () => (await count(`WorkflowId = "${row.workflowId}"`)) === 1);
  });

  it('parks a failing event, finds it by its search attributes, and replays it once the partner recovers', async () => {
    const conn = await connection('replay');
    sys.partner.faults.failAlways({ type: 'order', id: 'c-park' }, { status: 403 });
    const event = await deliverChange(conn, 'order', 'c-park');
    const processed = await deliverChange(conn, 'order', 'c-fine');
    const parked = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
    await waitForEventStatus(sys.rt.db, conn, processed.id, 'processed');

    const parkedQuery = `SynclineConnection = "${conn}" AND SynclineStatus = "parked"`;
    await waitFor('the parked event in SQL visibility', async () => (await count(parkedQuery)) === 1);
    const listed = [];
    for await (const wf of sys.client.workflow.list({ query: parkedQuery })) listed.push(wf);
    expect(listed.map((w) => w.workflowId)).toEqual([parked.workflowId]);
    expect(listed[0]!.searchAttributes).toMatchObject({
      SynclineConnection: [conn],
      SynclineEventType: ['order.created'],
      SynclineObjectId: ['c-park'],
      SynclineStatus: ['parked'],
    });
    await waitFor('the processed event in SQL visibility', async () => (await count(processedOf(conn))) === 1);

    sys.partner.faults.clear({ type: 'order', id: 'c-park' });
    const result = await ops.replay(conn, event.id, { by: 'alice', reason: 'partner fixed permissions' });
    expect(result).toMatchObject({ action: 'replay', status: 'processed' });
    expect(await record(sys.rt.db, conn, 'order', 'c-park')).toMatchObject({ data: { total: 1 } });
    await waitFor('the replayed event no longer parked in visibility', async () => (await count(parkedQuery)) === 0);
  });

  it('parks a failing event and skips it with a reason', async () => {
    const conn = await connection('skip');
    sys.partner.faults.failAlways({ type: 'order', id: 'c-skip' }, { status: 422 });
    const event = await deliverChange(conn, 'order', 'c-skip');
    await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');

    const result = await ops.skip(conn, event.id, { by: 'bob', reason: 'test object, never existed' });
    expect(result).toMatchObject({ action: 'skip', status: 'skipped' });
    expect(await eventRow(sys.rt.db, conn, event.id)).toMatchObject({
      status: 'skipped',
      resolution: 'test object, never existed',
    });
    expect(await record(sys.rt.db, conn, 'order', 'c-skip')).toBeNull();
  });
});
