// 1,000 connections with reconciliation on (issue 17 §4): every connection's two
// schedules carry the jitter offset derived from its id, as the server describes
// them, and the server's own next run times follow that offset; so the runs of
// all of them spread over the interval, and no minute of the day starts more
// runs than that spread allows. Everything is read from the schedules' specs and
// the server's computed next action times, never from the clock: no run is
// waited for. The schedules point at a task queue no worker polls, and are
// removed (with their connections) at the end, so no other file meets them.
// Real dev server and PostgreSQL.
import type { ScheduleDescription, ScheduleSummary } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/log';
import { jitterOffsetMs, ScheduleManager, scheduleId } from '../../src/reconcile/schedules';
import type { ReconcileMode } from '../../src/contracts/reconcileContract';
import { startTestSystem, PARTNER_API_KEY, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const CONNECTIONS = 1_000;
const MODES: readonly ReconcileMode[] = ['incremental', 'full'];
const MINUTE_MS = 60_000;
/** The defaults a connection without explicit intervals gets (docs/reconciliation.md). */
const EVERY_MS: Record<ReconcileMode, number> = { incremental: 6 * 3_600_000, full: 24 * 3_600_000 };
const DAY_MS = 24 * 3_600_000;
/** Schedules described one by one beside the listing (the listing is the server's visibility copy of the same). */
const DESCRIBED_SAMPLE = 20;
/** gRPC DEADLINE_EXCEEDED: a describe the loaded dev server did not answer in time (seen with 2,000 new schedules). */
const DEADLINE_EXCEEDED = 4;

let sys: TestSystem;
let manager: ScheduleManager;
// Fixed ids: the offsets, and so the busiest minute (12 runs for these ids), are the same every run.
// Each run has a fresh database and dev server (test/support/globalSetup.ts), so they never clash.
const prefix = 'many';
const ids = Array.from({ length: CONNECTIONS }, (_, i) => `${prefix}-c${String(i).padStart(4, '0')}`);
const taskQueue = `${prefix}-unpolled`;
/** Each schedule's interval as the server lists it, kept by the first test for the second. */
const onServer: Array<{ every: number; offset: number }> = [];

/** `n` at a time, in order. */
async function each<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

beforeAll(async () => {
  sys = await startTestSystem('many', {}, { inProcessWorker: false });
  manager = new ScheduleManager(sys.client, sys.rt.db, sys.rt.connections, taskQueue, createLogger('warn', prefix));
  const changes = {
    style: 'cursor',
    urlTemplate: '{baseUrl}/api/changes',
    ids: { style: 'cursor', urlTemplate: '{baseUrl}/api/ids' },
  };
  let t = performance.now();
  await each(ids, 16, (id) =>
    sys.rt.connections.upsert({
      id,
      connector: 'rest',
      enabled: true,
      apiBaseUrl: sys.partner.url,
      signingSecrets: ['many-secret'],
      credentials: { apiKey: PARTNER_API_KEY },
      settings: { signature: { scheme: 'github' }, changes },
    }),
  );
  const rowsMs = performance.now() - t;
  t = performance.now();
  const synced = await manager.syncConnections(ids);
  // For the record (CI time), not asserted.
  console.info(
    `${CONNECTIONS} rows in ${Math.round(rowsMs)} ms, their schedules in ${Math.round(performance.now() - t)} ms`,
  );
  expect(Object.values(synced).every((r) => r.incremental === 'created' && r.full === 'created')).toBe(true);
}, 600_000);

afterAll(async () => {
  if (manager) await each(ids, 16, (id) => Promise.all(MODES.map((m) => manager.remove(id, m))));
  await sys?.rt.db.connection.deleteMany({ where: { id: { startsWith: `${prefix}-` } } });
  await sys?.stop();
}, 600_000);

/** Every reconcile schedule of this file's connections, as the server lists them. */
async function listed(): Promise<Map<string, ScheduleSummary>> {
  const out = new Map<string, ScheduleSummary>();
  for await (const s of sys.client.schedule.list({ pageSize: 1_000 }))
    if (s.scheduleId.includes(`${prefix}-c`)) out.set(s.scheduleId, s);
  return out;
}

const positiveMod = (a: number, m: number) => ((a % m) + m) % m;

describe(`${CONNECTIONS} connections with reconciliation on`, () => {
  it('give every schedule its connection’s offset, and the server runs each on it', async () => {
    let schedules = new Map<string, ScheduleSummary>();
    // The listing is the server's visibility copy: it lags the creations by a moment.
    await waitFor(
      `all ${CONNECTIONS * MODES.length} schedules listed`,
      async () => (schedules = await listed()).size === CONNECTIONS * MODES.length,
      120_000,
    );
    const mismatched: string[] = [];
    for (const id of ids)
      for (const mode of MODES) {
        const s = schedules.get(scheduleId(id, mode))!;
        const [interval, ...more] = s.spec?.intervals ?? [];
        const offset = jitterOffsetMs(id, EVERY_MS[mode]);
        const next = s.info.nextActionTimes;
        if (
          more.length > 0 ||
          interval?.every !== EVERY_MS[mode] ||
          interval.offset !== offset ||
          next.length === 0 ||
          next.some((t) => positiveMod(t.getTime() - offset, EVERY_MS[mode]) !== 0)
        )
          mismatched.push(`${scheduleId(id, mode)}: ${JSON.stringify({ interval, offset, next })}`);
      }
    expect(mismatched.slice(0, 5)).toEqual([]);
    for (const s of schedules.values()) {
      const interval = s.spec!.intervals![0]!;
      onServer.push({ every: interval.every as number, offset: interval.offset as number });
    }

    // Described one by one (a fixed sample): the spec the server holds, not only its listing.
    const sample = ids.filter((_, i) => i % (CONNECTIONS / DESCRIBED_SAMPLE) === 0);
    const described: Array<[string, ReconcileMode, ScheduleDescription]> = [];
    const describe = async (id: string, mode: ReconcileMode, tries = 3): Promise<ScheduleDescription> => {
      try {
        return await sys.client.schedule.getHandle(scheduleId(id, mode)).describe();
      } catch (err) {
        const code = (err as { cause?: { code?: number } }).cause?.code;
        if (code !== DEADLINE_EXCEEDED || tries <= 1) throw err;
        return describe(id, mode, tries - 1);
      }
    };
    for (const id of sample) for (const mode of MODES) described.push([id, mode, await describe(id, mode)]);
    for (const [id, mode, d] of described) {
      expect(d.spec.intervals).toEqual([{ every: EVERY_MS[mode], offset: jitterOffsetMs(id, EVERY_MS[mode]) }]);
      expect(d.action).toMatchObject({ taskQueue });
      expect(
        positiveMod(d.info.nextActionTimes[0]!.getTime() - jitterOffsetMs(id, EVERY_MS[mode]), EVERY_MS[mode]),
      ).toBe(0);
    }
  }, 300_000);

  it('never start more runs in one minute than their spread allows', () => {
    // Over one day (both intervals divide it), every run of every schedule, from the intervals and
    // offsets the server lists (previous test): incremental at offset + k·6 h, full at offset + k·24 h.
    expect(onServer).toHaveLength(CONNECTIONS * MODES.length);
    const runs: number[] = [];
    for (const { every, offset } of onServer) for (let t = offset; t < DAY_MS; t += every) runs.push(t);
    runs.sort((a, b) => a - b);
    expect(runs).toHaveLength(CONNECTIONS * (DAY_MS / EVERY_MS.incremental + DAY_MS / EVERY_MS.full));
    // The busiest 60 s anywhere in the day: a sliding window, across midnight too.
    const twoDays = [...runs, ...runs.map((t) => t + DAY_MS)];
    let busiest = 0;
    for (let i = 0, j = 0; i < runs.length; i++) {
      while (twoDays[j]! - twoDays[i]! < MINUTE_MS) j++;
      busiest = Math.max(busiest, j - i);
    }
    // What the spread allows: offsets hashed uniformly over each interval make a minute's count
    // binomial with mean `mean`; six standard deviations above it is beyond any fair hash's
    // variation, and far below a missing jitter (all 1,000 connections in the same minute).
    const mean = runs.length / (DAY_MS / MINUTE_MS);
    const allowed = Math.ceil(mean + 6 * Math.sqrt(mean));
    expect(mean).toBeCloseTo(3.47, 2);
    expect(busiest).toBeGreaterThan(0);
    expect(busiest).toBeLessThanOrEqual(allowed);
  });
});
