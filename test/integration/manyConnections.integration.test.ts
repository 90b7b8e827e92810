// 1,000 connections, each with its reconciliation schedules (incremental and full
// diff, the default intervals), on the real Temporal dev server and PostgreSQL.
// Proves that the per-connection jitter (schedules.ts: a fixed offset from a hash
// of the connection id) reaches the Temporal schedules, and that the fleet's
// runs are spread: no minute starts more runs than the spread allows. Both are
// read from the server's own description of each schedule (its interval spec
// and its computed next action times), so nothing waits for real minutes.
// Connection ids are fixed, so the offsets, and this test's outcome, are the same on every run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleDescription } from '@temporalio/client';
import { jitterOffsetMs, ScheduleManager, scheduleId } from '../../src/reconcile/schedules';
import { DEFAULT_FULL_DIFF_INTERVAL_MS, DEFAULT_INTERVAL_MS } from '../../src/connections/reconcileSettings';
import { changesSettings } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const CONNECTIONS = 1_000;
const CONCURRENCY = 16;
const MINUTE_MS = 60_000;
const MODES = [
  { mode: 'incremental', everyMs: DEFAULT_INTERVAL_MS },
  { mode: 'full', everyMs: DEFAULT_FULL_DIFF_INTERVAL_MS },
] as const;
const ids = Array.from({ length: CONNECTIONS }, (_, i) => `fleet-c${String(i).padStart(4, '0')}`);

/**
 * What the spread allows in one minute: offsets uniform over the interval put CONNECTIONS × 1 min / interval
 * runs of a mode in an average minute; a hash is not perfectly even, so allow six standard deviations
 * (Poisson) above that, plus one. Without the jitter every connection's run would start in the same minute.
 */
function allowedPerMinute(): number {
  return MODES.reduce((sum, m) => {
    const mean = (CONNECTIONS * MINUTE_MS) / m.everyMs;
    return sum + Math.ceil(mean + 6 * Math.sqrt(mean) + 1);
  }, 0);
}

async function eachLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return out;
}

let sys: TestSystem;
let schedules: ScheduleManager;
let queue: string;

beforeAll(async () => {
  sys = await startTestSystem('fleet');
  queue = sys.rt.env.TEMPORAL_TASK_QUEUE;
  schedules = new ScheduleManager(sys.client, sys.rt.db, sys.rt.connections, queue, sys.rt.log);
  await eachLimited(ids, (id) =>
    sys.rt.connections.upsert({
      id,
      connector: 'rest',
      enabled: true,
      apiBaseUrl: sys.partner.url,
      signingSecrets: ['whsec_fleet'],
      credentials: { apiKey: 'sim_test_key' },
      settings: { signature: { scheme: 'standard-webhooks' }, changes: changesSettings('cursor') },
    }),
  );
});

afterAll(async () => {
  // The fleet's schedules would keep starting runs for the rest of the suite.
  if (schedules) await eachLimited(ids, (id) => Promise.all(MODES.map((m) => schedules.remove(id, m.mode))));
  await sys?.stop();
});

describe('1,000 connections', () => {
  it('each get both jittered schedules, and no minute starts more runs than the spread allows', async () => {
    const synced = await schedules.syncConnections(ids);
    expect(Object.values(synced).filter((r) => r.incremental === 'created' && r.full === 'created')).toHaveLength(
      CONNECTIONS,
    );

    // The server's description of every schedule, once it has computed its next action times.
    const described = await eachLimited(
      ids.flatMap((id) => MODES.map((m) => ({ id, ...m }))),
      async (s) => ({
        ...s,
        d: await waitFor(`next action times of ${scheduleId(s.id, s.mode)}`, async () => {
          const d: ScheduleDescription = await sys.client.schedule.getHandle(scheduleId(s.id, s.mode)).describe();
          return d.info.nextActionTimes.length > 0 ? d : undefined;
        }),
      }),
    );

    // The jitter reaches the spec: one interval, the mode's period, the connection's own offset;
    // and the server's computed times sit exactly on that offset (epoch + n × every + offset).
    const offsetsOff: string[] = [];
    for (const { id, mode, everyMs, d } of described) {
      const intervals = d.spec.intervals ?? [];
      const wantOffset = jitterOffsetMs(id, everyMs);
      if (intervals.length !== 1 || intervals[0]?.every !== everyMs || intervals[0]?.offset !== wantOffset)
        offsetsOff.push(`${mode} ${id}: ${JSON.stringify(intervals)}, want every ${everyMs} offset ${wantOffset}`);
      for (const t of d.info.nextActionTimes)
        if ((t.getTime() - wantOffset) % everyMs !== 0) offsetsOff.push(`${mode} ${id}: next run ${t.toISOString()}`);
    }
    expect(offsetsOff).toEqual([]);
    const offsetMinutes = new Set(
      described
        .filter((s) => s.mode === 'incremental')
        .map((s) => Math.floor(jitterOffsetMs(s.id, s.everyMs) / MINUTE_MS)),
    );
    // 1,000 connections over a 360-minute interval: the offsets cover most minutes of it.
    expect(offsetMinutes.size).toBeGreaterThan(300);

    // Count runs per minute up to the first time past which some schedule's list ends (all runs before it are listed).
    const horizon = Math.min(...described.map((s) => (s.d.info.nextActionTimes.at(-1) as Date).getTime()));
    const firstRun = Math.min(...described.map((s) => (s.d.info.nextActionTimes[0] as Date).getTime()));
    // The window holds every schedule at least once, so every connection is counted.
    expect(horizon - firstRun).toBeGreaterThanOrEqual(DEFAULT_FULL_DIFF_INTERVAL_MS - MINUTE_MS);
    const perMinute = new Map<number, number>();
    let runs = 0;
    for (const s of described)
      for (const t of s.d.info.nextActionTimes)
        if (t.getTime() <= horizon) {
          const minute = Math.floor(t.getTime() / MINUTE_MS);
          perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
          runs++;
        }
    expect(runs).toBeGreaterThanOrEqual(2 * CONNECTIONS);
    const busiest = Math.max(...perMinute.values());
    expect(busiest).toBeLessThanOrEqual(allowedPerMinute());
  });
});
