// Records workflow histories made by this checkout's code, for the replay test
// (test/integration/replay.integration.test.ts) of later versions. Not part of
// the suite (vitest runs test/unit and test/integration only):
// scripts/record-histories.sh copies it into a checkout's test/integration and
// runs it there, against that checkout's own harness and workflow code.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OperatorService } from '../../src/operator/operatorService';
import { reconcileServiceFor } from '../../src/reconcile';
import { startPartnerSimulator, type PartnerSimulator } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { waitForEventStatus } from '../support/events';
import { PARTNER_API_KEY, startTestSystem, TEST_UI_URL, type TestSystem } from '../support/system';

const OUT = process.env.HISTORY_OUT ?? '';
const TAG = process.env.HISTORY_TAG ?? '';
const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'history-secret';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 3, scheduleMs: [50, 100] };

let sys: TestSystem;
let partner: PartnerSimulator;

beforeAll(async () => {
  if (!OUT || !TAG) throw new Error('set HISTORY_OUT and HISTORY_TAG');
  // Payloads in plain text, as the replay test's worker reads them without this run's random key
  // (its codec passes through what it did not encrypt). Checkouts before the codec ignore the setting.
  sys = await startTestSystem('histories', { TEMPORAL_PAYLOAD_ENCRYPTION: 'false' });
  partner = await startPartnerSimulator({ apiKey: PARTNER_API_KEY });
});
afterAll(async () => {
  await partner?.close();
  await sys?.stop();
});

async function save(name: string, workflowId: string, runId?: string): Promise<void> {
  const history = await sys.client.workflow.getHandle(workflowId, runId).fetchHistory();
  // protobufjs's own object form (int64 as strings, bytes as base64); the replay test reads it back with History.fromObject.
  const History = history.constructor as unknown as { toObject(m: unknown, o: Record<string, unknown>): unknown };
  const json = History.toObject(history, { longs: String, bytes: String });
  fs.writeFileSync(path.join(OUT, `${TAG}.${name}.json`), `${JSON.stringify(json)}\n`);
}

async function deliver(conn: string, id: string) {
  const snap = sys.partner.store.upsert('order', id, { n: 1 });
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
  expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
  return event;
}

it('records one history per workflow shape', async () => {
  const conn = await sys.addConnection({
    name: 'h',
    signature: SIG,
    secrets: [SECRET],
    settings: { retry: FAST_RETRY },
  });
  const ops = new OperatorService(sys.rt.db, sys.client, { uiUrl: TEST_UI_URL, namespace: 'default' });

  const ok = await deliver(conn, 'h-ok');
  await save('event-processed', (await waitForEventStatus(sys.rt.db, conn, ok.id, 'processed')).workflowId);

  sys.partner.faults.failNext({ type: 'order', id: 'h-retry' }, 1, { status: 429, retryAfterSec: 1 });
  const retried = await deliver(conn, 'h-retry');
  await save('event-retried', (await waitForEventStatus(sys.rt.db, conn, retried.id, 'processed')).workflowId);

  sys.partner.faults.failAlways({ type: 'order', id: 'h-replay' }, { status: 403 });
  const replayed = await deliver(conn, 'h-replay');
  const parked = await waitForEventStatus(sys.rt.db, conn, replayed.id, 'parked');
  sys.partner.faults.clear({ type: 'order', id: 'h-replay' });
  await ops.replay(conn, replayed.id, { by: 'history', reason: 'recorded' });
  await save('event-parked-replayed', parked.workflowId);

  sys.partner.faults.failAlways({ type: 'order', id: 'h-skip' }, { status: 403 });
  const skipped = await deliver(conn, 'h-skip');
  const parkedToSkip = await waitForEventStatus(sys.rt.db, conn, skipped.id, 'parked');
  await ops.skip(conn, skipped.id, { by: 'history', reason: 'recorded' });
  await save('event-parked-skipped', parkedToSkip.workflowId);

  // Reconciliation on a partner of its own: an incremental run that waits out a 429 and continues as new,
  // then a full diff that deletes (and, where the code has it, restores).
  const rconn = await sys.addConnection({
    name: 'hr',
    signature: SIG,
    secrets: [SECRET],
    apiBaseUrl: partner.url,
    settings: {
      changes: {
        style: 'cursor',
        urlTemplate: '{baseUrl}/api/changes',
        ids: { style: 'cursor', urlTemplate: '{baseUrl}/api/ids' },
      },
      reconcile: { pageSize: 10, pagesPerActivity: 2, maxPagesPerExecution: 4 },
    },
  });
  for (let i = 0; i < 50; i++) partner.store.upsert('deal', `d-${String(i).padStart(2, '0')}`, { i });
  partner.faults.failNextLists({ status: 429, retryAfterSec: 1 });
  const service = reconcileServiceFor(sys.client, sys.rt);
  const inc = await service.runNow(rconn, 'incremental');
  await inc.result();
  await save('reconcile-incremental-first', inc.workflowId, inc.firstExecutionRunId);
  await save('reconcile-incremental-last', inc.workflowId);

  for (let i = 0; i < 3; i++) partner.store.delete('deal', `d-${String(i).padStart(2, '0')}`);
  await sys.rt.db
    .$executeRaw`DELETE FROM sync_records WHERE connection_id = ${rconn} AND object_id IN ('d-40', 'd-41')`;
  const full = await service.runNow(rconn, 'full');
  await full.result();
  await save('reconcile-full-first', full.workflowId, full.firstExecutionRunId);
  await save('reconcile-full-last', full.workflowId);
});
