// Runs in flight at a deploy (issue 17): processEvent workflows started by the
// code before FEWER_ACTIONS_PATCH (src/workflows/processEvent.ts) take their
// first steps on a worker running that commit's workflow bundle (built here from
// `git archive` of the commit), which then stops; today's worker picks their
// histories up, replays them and finishes them on the old path. One was parked
// (an operator replays it), one was between fetch attempts. A run started by the
// patched() code (generation 1 with the marker, before workflowGeneration.ts) and
// left between fetch attempts finishes on the path its marker chose. Runs started
// by a generation-2 worker (the fetch as a regular activity, before generation 3)
// finish on that path: one left between fetch attempts, one parked and replayed. A
// run started after the deploy takes generation 3's path: no activity, the fetch a
// local activity. The two oldest workers stamp the SDK's default build id, as they
// did; the generation-2 worker stamps syncline-workflows@2. Real dev server,
// PostgreSQL and partner simulator.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { workerBuildId } from '../../src/contracts/workflowGeneration';
import { summarizeHistory } from '../../src/operator/history';
import { OperatorService } from '../../src/operator/operatorService';
import type { SignatureConfig } from '../../src/signatures/types';
import { targetFromEnv } from '../../src/temporal/connection';
import { runWorker, type RunningWorker } from '../../src/worker/runWorker';
import { eventRow, waitForEventStatus } from '../support/events';
import { startTestSystem, TEST_UI_URL, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

/** main just before issue 17 changed processEvent. */
const BEFORE = '6d922dc';
/** main just before processEvent's path was decided by the worker's generation instead of patched() alone. */
const PATCHED = 'bb8e46a';
/** main just before generation 3 (the partner fetch as a local activity). */
const GENERATION_2 = '5fe5bdb';
const ROOT = path.resolve(__dirname, '../..');
const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'upgrade-secret';

let sys: TestSystem;
let oldBundle: string;
let patchedBundle: string;
let generation2Bundle: string;
const workers: RunningWorker[] = [];

/** The workflow bundle of `commit`: its src tree from git, bundled against today's node_modules. */
async function bundleAt(commit: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'old-workflows-'));
  execSync(`git -C ${JSON.stringify(ROOT)} archive ${commit} src | tar -x -C ${JSON.stringify(dir)}`);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(dir, 'src/workflows/index.ts') });
  const file = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(file, code);
  return file;
}

const worker = async (bundle: string, buildId?: string | null) => {
  const w = await runWorker(sys.rt, targetFromEnv(sys.rt.env), {
    workflowBundlePath: bundle,
    buildId,
    uiUrl: TEST_UI_URL,
    opsPort: 0,
  });
  workers.push(w);
  return w;
};

beforeAll(async () => {
  sys = await startTestSystem('upgrade', {}, { inProcessWorker: false });
  oldBundle = await bundleAt(BEFORE);
  patchedBundle = await bundleAt(PATCHED);
  generation2Bundle = await bundleAt(GENERATION_2);
}, 360_000);
afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await sys?.stop();
});

const activityNames = async (workflowId: string) =>
  ((await sys.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((n): n is string => !!n);

const markerNames = async (workflowId: string) =>
  ((await sys.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [])
    .map((e) => e.markerRecordedEventAttributes?.markerName)
    .filter((n): n is string => !!n);

describe('processEvent runs started before issue 17', () => {
  it('finish on the new worker along the path they started on', async () => {
    // A retry schedule slow enough for the old worker to stop between two fetch attempts.
    const conn = await sys.addConnection({
      name: 'u',
      signature: SIG,
      secrets: [SECRET],
      settings: {
        retry: { initialIntervalMs: 3_000, maximumIntervalMs: 3_000, maximumAttempts: 3, scheduleMs: [3_000, 3_000] },
      },
    });
    const deliver = async (id: string) => {
      const snap = sys.partner.store.upsert('order', id, { n: 1 });
      const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
      expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
      return event;
    };
    /** An event whose first fetch attempt fails (503), delivered while `who`'s worker runs; resolves once it did. */
    const deliverMidRetry = async (id: string, who: string) => {
      sys.partner.faults.failNext({ type: 'order', id }, 1, { status: 503 });
      const event = await deliver(id);
      await waitFor(`the first fetch attempt to fail on the ${who} worker`, async () => {
        const row = await eventRow(sys.rt.db, conn, event.id);
        return (row?.attempts ?? 0) >= 1 && row?.lastError !== null;
      });
      return event;
    };

    const old = await worker(oldBundle, null);
    sys.partner.faults.failAlways({ type: 'order', id: 'u-parked' }, { status: 403 });
    const parkedEvent = await deliver('u-parked');
    const parked = await waitForEventStatus(sys.rt.db, conn, parkedEvent.id, 'parked');

    const fetchingEvent = await deliverMidRetry('u-fetching', 'old');
    await old.stop();

    const patched = await worker(patchedBundle, null);
    const patchedEvent = await deliverMidRetry('u-patched', 'patched()');
    await patched.stop();

    const gen2 = await worker(generation2Bundle, workerBuildId(2));
    sys.partner.faults.failAlways({ type: 'order', id: 'u-gen2-parked' }, { status: 403 });
    const gen2ParkedEvent = await deliver('u-gen2-parked');
    const gen2Parked = await waitForEventStatus(sys.rt.db, conn, gen2ParkedEvent.id, 'parked');
    const gen2Event = await deliverMidRetry('u-gen2', 'generation-2');
    await gen2.stop();

    sys.partner.faults.clear({ type: 'order', id: 'u-parked' });
    sys.partner.faults.clear({ type: 'order', id: 'u-gen2-parked' });
    await worker(inject('workflowBundlePath'));
    const fetched = await waitForEventStatus(sys.rt.db, conn, fetchingEvent.id, 'processed', 60_000);
    expect(fetched.outcome).toBe('applied');
    expect(await sys.client.workflow.getHandle(fetched.workflowId).result()).toMatchObject({ status: 'processed' });
    // The old path, replayed and continued by today's code: the apply is its own activity.
    expect(await activityNames(fetched.workflowId)).toEqual([
      'fetchObjectState',
      'applyObjectState',
      'recordEventOutcome',
      'supersedeParkedEvents',
    ]);
    expect(
      (await sys.client.workflow.getHandle(fetched.workflowId).describe()).searchAttributes.SynclineStatus,
    ).toEqual(['processed']);

    const ops = new OperatorService(sys.rt.db, sys.client, { uiUrl: TEST_UI_URL, namespace: 'default' });
    await ops.replay(conn, parkedEvent.id, { by: 'upgrade', reason: 'deployed' });
    const replayed = await waitForEventStatus(sys.rt.db, conn, parkedEvent.id, 'processed', 60_000);
    expect(replayed.workflowId).toBe(parked.workflowId);
    expect(await sys.client.workflow.getHandle(parked.workflowId).result()).toMatchObject({
      status: 'processed',
      runs: 2,
    });

    // Started by the patched() code: its marker chose the one-activity path, which today's code continues.
    const fromPatched = await waitForEventStatus(sys.rt.db, conn, patchedEvent.id, 'processed', 60_000);
    expect(await sys.client.workflow.getHandle(fromPatched.workflowId).result()).toMatchObject({
      status: 'processed',
    });
    expect(await activityNames(fromPatched.workflowId)).toEqual(['fetchAndFinish']);
    expect(await markerNames(fromPatched.workflowId)).toContain('core_patch');

    // Started by a generation-2 worker: its second fetch attempt is the same regular activity, on today's worker.
    const fromGen2 = await waitForEventStatus(sys.rt.db, conn, gen2Event.id, 'processed', 60_000);
    expect(fromGen2.attempts).toBe(2);
    expect(await sys.client.workflow.getHandle(fromGen2.workflowId).result()).toMatchObject({ status: 'processed' });
    expect(await activityNames(fromGen2.workflowId)).toEqual(['fetchAndFinish']);
    expect(summarizeHistory(await sys.client.workflow.getHandle(fromGen2.workflowId).fetchHistory())).toMatchObject({
      activities: { registerEvent: 1, fetchAndFinish: 1 },
      lastActivityAttempt: 2,
    });
    // Parked by a generation-2 worker, replayed on today's: the replay fetches through the activity again.
    await ops.replay(conn, gen2ParkedEvent.id, { by: 'upgrade', reason: 'deployed' });
    await waitForEventStatus(sys.rt.db, conn, gen2ParkedEvent.id, 'processed', 60_000);
    expect(await sys.client.workflow.getHandle(gen2Parked.workflowId).result()).toMatchObject({
      status: 'processed',
      runs: 2,
    });
    expect((await activityNames(gen2Parked.workflowId)).filter((n) => n === 'fetchAndFinish')).toHaveLength(2);

    // Started after the deploy: generation 3, no activity at all; registration and fetch are local activities.
    const fresh = await deliver('u-fresh');
    const done = await waitForEventStatus(sys.rt.db, conn, fresh.id, 'processed', 60_000);
    expect(await sys.client.workflow.getHandle(done.workflowId).result()).toMatchObject({ status: 'processed' });
    expect(await activityNames(done.workflowId)).toEqual([]);
    expect(await markerNames(done.workflowId)).toEqual(['core_local_activity', 'core_local_activity']);
    expect(summarizeHistory(await sys.client.workflow.getHandle(done.workflowId).fetchHistory()).activities).toEqual({
      registerEvent: 1,
      fetchAndFinish: 1,
    });
  });
});
