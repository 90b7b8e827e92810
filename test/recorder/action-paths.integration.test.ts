// Drives one processEvent down each path `npm run bench:actions` prices, and
// stores each run's history (bench/actions.ts counts their Actions). Not part of
// the suite (vitest runs test/unit and test/integration only): bench/actions.ts
// copies it into a checkout of the commit it measures and runs it there, against
// that checkout's own harness and workflow code, so the same paths can be priced
// on older code.
//   ACTIONS_OUT=<dir>  where <path>.json histories go
//   ACTIONS_METRICS_URL=<url>  the Temporal server's /metrics (on the cluster project: its
//     frontend's): its text is saved just before each priced run's first request
//     (<path>.metrics-before.txt) and once the run has closed (<path>.metrics-after.txt),
//     so bench:actions can read the server's own `action` count of that run beside the history's
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { OperatorService } from '../../src/operator/operatorService';
import type { SignatureConfig } from '../../src/signatures/types';
import { waitForEventStatus } from '../support/events';
import { startTestSystem, TEST_UI_URL, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const OUT = process.env.ACTIONS_OUT ?? '';
// On the cluster project the frontend's endpoint is known only to its setup (older checkouts have neither).
const METRICS_URL =
  process.env.ACTIONS_METRICS_URL ??
  (inject as (key: string) => { metrics?: { frontend?: string } } | undefined)('clusterEndpoints')?.metrics?.frontend;
const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'actions-secret';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 3, scheduleMs: [50, 100] };

let sys: TestSystem;

beforeAll(async () => {
  if (!OUT) throw new Error('set ACTIONS_OUT');
  fs.mkdirSync(OUT, { recursive: true });
  sys = await startTestSystem('actions');
});
afterAll(async () => {
  await sys?.stop();
});

/** The `action` lines of the server's metrics page. */
async function actionLines(): Promise<string> {
  const res = await fetch(METRICS_URL!);
  if (!res.ok) throw new Error(`${METRICS_URL} answered ${res.status}`);
  return (await res.text())
    .split('\n')
    .filter((l) => l.startsWith('action{'))
    .sort()
    .join('\n');
}

/**
 * The server's `action` counters, when it serves them, saved as <name>.metrics-<phase>.txt once
 * they hold still: the server reports its counters to the page on an interval, so a run that just
 * closed (or the path before) may not be on it yet. Still = the same over METRICS_STILL_MS.
 */
const METRICS_STILL_MS = 3_000;
async function metrics(name: string, phase: 'before' | 'after'): Promise<void> {
  if (!METRICS_URL) return;
  let last = await actionLines();
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, METRICS_STILL_MS));
    const now = await actionLines();
    if (now === last) break;
    last = now;
  }
  fs.writeFileSync(path.join(OUT, `${name}.metrics-${phase}.txt`), `${last}\n`);
}

async function save(name: string, workflowId: string): Promise<void> {
  const handle = sys.client.workflow.getHandle(workflowId);
  await waitFor(`${name} to close`, async () => (await handle.describe()).status.name !== 'RUNNING');
  await metrics(name, 'after');
  const history = await handle.fetchHistory();
  const History = history.constructor as unknown as { toObject(m: unknown, o: Record<string, unknown>): unknown };
  fs.writeFileSync(
    path.join(OUT, `${name}.json`),
    `${JSON.stringify(History.toObject(history, { longs: String, bytes: String }))}\n`,
  );
}

it('records one history per priced path', async () => {
  const conn = await sys.addConnection({
    name: 'a',
    signature: SIG,
    secrets: [SECRET],
    settings: { retry: FAST_RETRY },
  });
  const trusted = await sys.addConnection({
    name: 't',
    signature: SIG,
    secrets: [SECRET],
    settings: { retry: FAST_RETRY, trustPayload: true },
  });
  const sender = (c: string) => sys.sender(c, SIG, SECRET);
  const change = (id: string) => {
    const snap = sys.partner.store.upsert('order', id, { n: 1 });
    return sys.partner.store.changeAt(snap.version)!;
  };
  const deliver = async (c: string, event: ReturnType<typeof sys.partner.events.fromChange>) => {
    expect((await sender(c).deliver(event)).status).toBe(202);
    return event;
  };
  const processed = async (c: string, id: string) =>
    (await waitForEventStatus(sys.rt.db, c, id, 'processed')).workflowId;

  await metrics('processed', 'before');
  const ok = await deliver(conn, sys.partner.events.fromChange(change('p-ok')));
  await save('processed', await processed(conn, ok.id));

  // A second event announcing the same version: fetched, and the version guard leaves our copy as it is.
  const sameChange = change('p-same');
  const same = await deliver(conn, sys.partner.events.fromChange(sameChange));
  const firstOfSame = sys.client.workflow.getHandle(await processed(conn, same.id));
  await waitFor('the first delivery of the change to close', async () =>
    firstOfSame.describe().then((d) => d.status.name !== 'RUNNING'),
  );
  await metrics('unchanged', 'before');
  const again = await deliver(conn, sys.partner.events.fromChange(sameChange));
  await save('unchanged', await processed(conn, again.id));

  await metrics('trusted-payload', 'before');
  const trust = await deliver(trusted, sys.partner.events.fromChange(change('p-trust')));
  await save('trusted-payload', await processed(trusted, trust.id));

  // Temporal forgot the processed run (retention), the partner re-delivers: the new run stops at the row.
  const dup = sys.partner.events.fromChange(change('p-dup'));
  const delivery = sender(conn).build(dup);
  expect((await sender(conn).send(delivery)).status).toBe(202);
  const first = await processed(conn, dup.id);
  await sys.client.workflowService.deleteWorkflowExecution({
    namespace: sys.client.options.namespace,
    workflowExecution: { workflowId: first },
  });
  await waitFor(
    'the processed run to be deleted',
    async () =>
      sys.client.workflow
        .getHandle(first)
        .describe()
        .then(
          () => false,
          (err: Error) => err instanceof WorkflowNotFoundError,
        ),
    // The server deletes a closed run through its own task queues; 30 s was seen too short on the dev
    // server under load and on a quiet cluster.
    120_000,
  );
  await metrics('duplicate', 'before');
  expect((await sender(conn).send(delivery)).status).toBe(202);
  await save('duplicate', first);

  sys.partner.faults.failNext({ type: 'order', id: 'p-retry' }, 1, { status: 503 });
  await metrics('one-retry', 'before');
  const retried = await deliver(conn, sys.partner.events.fromChange(change('p-retry')));
  await save('one-retry', await processed(conn, retried.id));

  const ops = new OperatorService(sys.rt.db, sys.client, { uiUrl: TEST_UI_URL, namespace: 'default' });
  sys.partner.faults.failAlways({ type: 'order', id: 'p-park' }, { status: 403 });
  await metrics('parked-replayed', 'before');
  const parkedEvent = await deliver(conn, sys.partner.events.fromChange(change('p-park')));
  const parked = await waitForEventStatus(sys.rt.db, conn, parkedEvent.id, 'parked');
  sys.partner.faults.clear({ type: 'order', id: 'p-park' });
  await ops.replay(conn, parkedEvent.id, { by: 'bench', reason: 'priced' });
  await save('parked-replayed', parked.workflowId);
});
