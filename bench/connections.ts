// Many connections: 1,000 connections (rest connector, reconciliation on with the
// default intervals), each with its jittered schedules, and webhooks to
// connections at random. Measures, in one run:
//   - the time to create the connections and their 2,000 schedules (ScheduleManager.syncConnections;
//     with --sync-before also one at a time first, then removed, for the before/after of the concurrency);
//   - the schedule fan-out from the server's own next action times: runs in the busiest minute;
//   - ack rate and p99 with random connections while the connection cache churns (an API with
//     CONNECTION_CACHE_MAX_ENTRIES below the connection count) against an API whose cache holds them
//     all, alternating rounds, the worker processing alongside; then end to end until all are processed;
//   - API and worker resident memory: idle, peak under load, after.
//   npm run bench:connections -- [--connections 1000] [--cache 100] [--events 1000] [--rounds 2] [--sync-before]
import { Client, Connection, type ScheduleDescription } from '@temporalio/client';
import { SYNC_CONCURRENCY, ScheduleManager, jitterOffsetMs, scheduleId } from '../src/reconcile/schedules';
import { createLogger } from '../src/infra/log';
import { freePort } from '../dev/support/ports';
import { PARTNER_API_KEY, startBenchEnv } from './support/env';
import { makeDeliveries, SECRET, SIGNATURE } from './support/fixtures';
import { callAll, postAll, type Routed } from './support/load';
import { type Child, rssMb, startApiProcess, startWorkerProcess } from './support/processes';
import { latency, parseFlags, round, runBench, table, writeResult } from './support/report';
import { mulberry32 } from '../dev/chaos/prng';

const MINUTE_MS = 60_000;
const MODES = ['incremental', 'full'] as const;

const seconds = (fromMs: number) => round((performance.now() - fromMs) / 1000, 2);

/** Runs per minute over the window where every schedule's listed next times are complete. */
function fanOut(described: Array<{ id: string; d: ScheduleDescription }>) {
  const horizon = Math.min(...described.map((s) => s.d.info.nextActionTimes.at(-1)?.getTime() ?? 0));
  const start = Math.min(...described.map((s) => s.d.info.nextActionTimes[0]?.getTime() ?? Infinity));
  const perMinute = new Map<number, number>();
  for (const s of described)
    for (const t of s.d.info.nextActionTimes)
      if (t.getTime() <= horizon) {
        const m = Math.floor(t.getTime() / MINUTE_MS);
        perMinute.set(m, (perMinute.get(m) ?? 0) + 1);
      }
  const counts = [...perMinute.values()];
  const runs = counts.reduce((a, b) => a + b, 0);
  const minutes = Math.max(1, Math.ceil((horizon - start) / MINUTE_MS));
  const busiest = Math.max(...counts);
  const busiestAt = [...perMinute.entries()].find(([, n]) => n === busiest)?.[0] ?? 0;
  return {
    windowHours: round((horizon - start) / 3_600_000, 1),
    runs,
    meanPerMinute: round(runs / minutes, 2),
    busiestMinute: busiest,
    busiestMinuteAt: new Date(busiestAt * MINUTE_MS).toISOString(),
    minutesWithRuns: perMinute.size,
    nextTimesPerSchedule: Math.min(...described.map((s) => s.d.info.nextActionTimes.length)),
  };
}

runBench(async () => {
  const flags = parseFlags({
    connections: 1000,
    cache: 100,
    events: 1000,
    rounds: 2,
    concurrency: 32,
    syncBefore: false,
    timeoutSec: 1800,
  });
  const env = await startBenchEnv('connections');
  const connection = await Connection.connect({ address: env.temporal.address });
  const client = new Client({ connection });
  const children: Child[] = [];
  try {
    const ids = Array.from({ length: flags.connections }, (_, i) => `many-c${String(i).padStart(5, '0')}`);
    const changes = {
      style: 'cursor',
      urlTemplate: '{baseUrl}/api/changes',
      ids: { style: 'cursor', urlTemplate: '{baseUrl}/api/ids' },
    };
    let t = performance.now();
    await callAll(ids, 16, (id) =>
      env.rt.connections.upsert({
        id,
        connector: 'rest',
        enabled: true,
        apiBaseUrl: env.partner.url,
        signingSecrets: [SECRET],
        credentials: { apiKey: PARTNER_API_KEY },
        settings: { signature: SIGNATURE, changes },
      }),
    );
    const creation: Record<string, number> = { 'connections rows s': seconds(t) };
    const schedules = new ScheduleManager(
      client,
      env.rt.db,
      env.rt.connections,
      env.childEnv.TEMPORAL_TASK_QUEUE as string,
      createLogger('warn', 'bench-connections'),
    );
    const created = (r: Record<string, Record<string, string>>) =>
      Object.values(r).reduce((n, x) => n + MODES.filter((m) => x[m] === 'created').length, 0);
    if (flags.syncBefore) {
      t = performance.now();
      const one = await schedules.syncConnections(ids, 1);
      creation['schedules one at a time s'] = seconds(t);
      creation['created one at a time'] = created(one);
      t = performance.now();
      await callAll(ids, SYNC_CONCURRENCY, (id) => Promise.all(MODES.map((m) => schedules.remove(id, m))));
      creation['removed s'] = seconds(t);
    }
    t = performance.now();
    const synced = await schedules.syncConnections(ids);
    creation[`schedules ${SYNC_CONCURRENCY} at a time s`] = seconds(t);
    creation.created = created(synced);
    console.log(`creation\n${table([creation])}`);

    // The schedules as the server describes them: the jitter in the spec, and the computed next runs.
    const described: Array<{ id: string; mode: string; d: ScheduleDescription }> = [];
    await callAll(
      ids.flatMap((id) => MODES.map((mode) => ({ id, mode }))),
      16,
      async (s) => {
        described.push({ ...s, d: await client.schedule.getHandle(scheduleId(s.id, s.mode)).describe() });
      },
    );
    const specOk = described.filter((s) => {
      const [only, ...more] = s.d.spec.intervals ?? [];
      return only !== undefined && more.length === 0 && only.offset === jitterOffsetMs(s.id, only.every);
    }).length;
    const sample = described.slice(0, 4).map((s) => ({
      schedule: scheduleId(s.id, s.mode as 'incremental' | 'full'),
      'every min': round((s.d.spec.intervals?.[0]?.every ?? NaN) / MINUTE_MS, 1),
      'offset min': round((s.d.spec.intervals?.[0]?.offset ?? NaN) / MINUTE_MS, 2),
      'next runs': s.d.info.nextActionTimes
        .slice(0, 2)
        .map((d) => d.toISOString())
        .join(' '),
    }));
    const fan = {
      all: fanOut(described),
      incremental: fanOut(described.filter((s) => s.mode === 'incremental')),
      full: fanOut(described.filter((s) => s.mode === 'full')),
    };
    console.log(
      `\nschedules: ${specOk}/${described.length} carry their connection's offset in the spec\n${table(sample)}\nfan-out (from the servers' next action times)\n${table(
        Object.entries(fan).map(([k, v]) => ({ schedules: k, ...v })),
      )}`,
    );

    // Traffic: an API whose cache churns, one whose cache holds every connection, one worker.
    const worker = await startWorkerProcess(env.childEnv, env.runDir);
    children.push(worker);
    const apis = {
      churn: await startApiProcess(
        { ...env.childEnv, CONNECTION_CACHE_MAX_ENTRIES: String(flags.cache) },
        await freePort(),
        env.runDir,
      ),
      roomy: await startApiProcess(env.childEnv, await freePort(), env.runDir),
    };
    children.push(apis.churn, apis.roomy);
    const rss = () => ({ churnApi: rssMb(apis.churn.pid), roomyApi: rssMb(apis.roomy.pid), worker: rssMb(worker.pid) });
    const idle = rss();
    const peak = { ...idle };
    const sampler = setInterval(() => {
      const now = rss();
      for (const k of Object.keys(peak) as Array<keyof typeof peak>) peak[k] = Math.max(peak[k], now[k]);
    }, 500);
    const pick = mulberry32(17);
    const tag = `many${Date.now().toString(36)}`;
    const t0 = performance.now();
    const rounds: Array<Record<string, string | number>> = [];
    const all: Record<'churn' | 'roomy', number[]> = { churn: [], roomy: [] };
    const totals = { churn: { ok: 0, ms: 0 }, roomy: { ok: 0, ms: 0 } };
    for (let r = 1; r <= flags.rounds; r++) {
      const order = r % 2 === 1 ? (['churn', 'roomy'] as const) : (['roomy', 'churn'] as const);
      for (const kind of order) {
        const api = apis[kind];
        const deliveries: Routed[] = makeDeliveries(
          env,
          `${api.url}/webhooks/x`,
          flags.events,
          `${tag}r${r}${kind}`,
        ).map((d) => ({ ...d, path: `/webhooks/${ids[Math.floor(pick() * ids.length)]}` }));
        const res = await postAll(`${api.url}/webhooks/x`, deliveries, flags.concurrency);
        const lat = latency(res.latenciesMs);
        all[kind].push(...res.latenciesMs);
        totals[kind].ok += res.ok;
        totals[kind].ms += res.durationMs;
        rounds.push({
          round: r,
          cache: kind === 'churn' ? `${flags.cache} entries` : 'all',
          'ack/s': round(res.perSec),
          'p50 ms': lat.p50,
          'p99 ms': lat.p99,
          answers: Object.entries(res.statuses)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', '),
        });
        console.log(`round ${r} ${kind}: ${round(res.perSec)}/s, p99 ${lat.p99} ms`);
      }
    }
    const sent = flags.events * flags.rounds * 2;
    const processed = async () =>
      env.rt.db.webhookEvent.count({ where: { status: 'processed', eventId: { startsWith: `evt_${tag}` } } });
    const deadline = Date.now() + flags.timeoutSec * 1000;
    let done = 0;
    while ((done = await processed()) < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    const e2eSec = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const after = rss();
    const touched = await env.rt.db.webhookEvent.groupBy({
      by: ['connectionId'],
      where: { eventId: { startsWith: `evt_${tag}` } },
    });
    const ack = (k: 'churn' | 'roomy') => ({
      'ack/s': round((totals[k].ok / totals[k].ms) * 1000),
      ...latency(all[k]),
    });
    const summary = {
      churn: ack('churn'),
      roomy: ack('roomy'),
      'churn ÷ roomy ack/s': round(((totals.churn.ok / totals.churn.ms) * totals.roomy.ms) / totals.roomy.ok, 2),
      'e2e events/s': round(done / e2eSec),
      processed: `${done}/${sent}`,
      'connections that got webhooks': touched.length,
    };
    console.log(`\nwebhooks to random connections\n${table(rounds)}`);
    console.log(
      table([
        { cache: `${flags.cache} entries (churns)`, ...summary.churn },
        { cache: 'all connections', ...summary.roomy },
      ]),
    );
    console.log(
      `churn ÷ roomy ack rate ${summary['churn ÷ roomy ack/s']}; end to end ${summary['e2e events/s']} events/s (${summary.processed} processed, ${touched.length} connections)`,
    );
    const memory = (['churnApi', 'roomyApi', 'worker'] as const).map((k) => ({
      process: k,
      'idle MB': round(idle[k]),
      'peak MB': round(peak[k]),
      'after MB': round(after[k]),
    }));
    console.log(`\nmemory (RSS)\n${table(memory)}`);
    console.log(
      `\nresults: ${writeResult('connections', { flags, creation, specOk, described: described.length, sample, fan, rounds, summary, memory })}`,
    );
  } finally {
    for (const c of children) await c.stop();
    await connection.close();
    await env.stop();
  }
});
