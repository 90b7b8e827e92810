// A worker killed in the middle of the partner fetch (SIGKILL: no shutdown, no
// goodbye). The fetch is a local activity of the run's first workflow task
// (generation 3): Temporal notices when that task's timeout passes, another
// worker runs the task again from the start, and the event is applied exactly once.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeHistory } from '../../src/operator/history';
import type { SignatureConfig } from '../../src/signatures/types';
import { record, waitForEventStatus } from '../support/events';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { spawnWorker, type SynclineProcess } from '../support/synclineProcess';

const SIG: SignatureConfig = { scheme: 'shopify' };
const SECRET = 'shopify-crash-secret';

/** A partner whose first fetch never answers: it is in flight when the worker dies. */
async function startStallingPartner() {
  const requests: string[] = [];
  const held: express.Response[] = [];
  const app = express();
  app.get('/api/objects/:type/:id', (req, res) => {
    requests.push(req.params.id);
    if (requests.length === 1) return void held.push(res);
    res.json({ type: req.params.type, id: req.params.id, version: 7, deleted: false, data: { total: 70 } });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of held) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let sys: TestSystem;
let partner: Awaited<ReturnType<typeof startStallingPartner>>;
const workers: SynclineProcess[] = [];

beforeAll(async () => {
  sys = await startTestSystem('crash', { CONNECTION_CACHE_TTL_MS: '0' }, { inProcessWorker: false });
  partner = await startStallingPartner();
});
afterAll(async () => {
  for (const w of workers) await w.kill();
  await partner?.close();
  await sys?.stop();
});

describe('worker crash', () => {
  it('processes the event exactly once after the worker is killed mid-activity', async () => {
    const conn = await sys.addConnection({
      name: 'crash',
      signature: SIG,
      secrets: [SECRET],
      apiBaseUrl: partner.url,
      // A 2 s partner timeout makes one attempt last at most 7 s, so the dead worker's attempt expires quickly.
      settings: {
        fetch: { timeoutMs: 2_000 },
        retry: { initialIntervalMs: 100, maximumIntervalMs: 500, maximumAttempts: 5, scheduleMs: [100] },
      },
    });
    const first = spawnWorker(sys.rt.env);
    workers.push(first);

    const event = {
      id: `evt_${sys.prefix}_crash`,
      type: 'order.updated' as const,
      created: 0,
      data: { object: { type: 'order', id: 'c-1', version: 7, deleted: false } },
    };
    expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
    await waitFor('the first fetch to be in flight', async () => partner.requests.length === 1, 60_000);

    await first.kill('SIGKILL');
    expect(() => process.kill(first.child.pid!, 0), 'the worker process is gone').toThrow();
    workers.push(spawnWorker(sys.rt.env));

    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed', 90_000);
    expect(row.outcome).toBe('applied');
    const rec = await record(sys.rt.db, conn, 'order', 'c-1');
    expect(rec).toMatchObject({ version: 7n, data: { total: 70 }, writeCount: 1 });
    expect(partner.requests).toEqual(['c-1', 'c-1']);

    // The row turns processed inside the local activity, before the task that records its marker
    // completes: the history is read once the run has completed.
    const handle = sys.client.workflow.getHandle(row.workflowId);
    expect(await handle.result()).toMatchObject({ status: 'processed' });
    const history = await handle.fetchHistory();
    // The dead worker's task left nothing but its timeout; the next task fetched and applied once
    // (the fetch and the apply are one local activity, issue 17).
    expect(history.events!.filter((e) => e.workflowTaskTimedOutEventAttributes)).toHaveLength(1);
    expect(summarizeHistory(history).activities).toEqual({ registerEvent: 1, fetchAndFinish: 1 });
  });
});
