// Memory benchmark: resident memory (VmRSS) of the API and the worker, each its
// own process, at idle, under the ack load, and over a soak at a steady rate
// with webhooks flowing end to end. Reports the soak's slope (MB/min, least
// squares over the samples after the first fifth) per process.
//   npm run bench:memory -- [--minutes 2] [--rate 5] [--load-events 600]
// The real soak: npm run bench:memory -- --minutes 10
import { DEV_SERVER, startBenchEnv } from './support/env';
import { addConnection, makeDeliveries } from './support/fixtures';
import { postAll } from './support/load';
import { freePort } from '../dev/support/ports';
import { rssMb, startApiProcess, startWorkerProcess } from './support/processes';
import { latency, parseFlags, round, runBench, table, writeResult } from './support/report';

interface Sample {
  tSec: number;
  api: number;
  worker: number;
  temporal: number;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return num / den;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

runBench(async () => {
  const flags = parseFlags({ minutes: 2, rate: 5, loadEvents: 600, idleSec: 10, sampleSec: 5 });
  const env = await startBenchEnv('memory');
  const api = await startApiProcess(env.childEnv, await freePort(), env.runDir);
  const worker = await startWorkerProcess(env.childEnv, env.runDir);
  const started = Date.now();
  const sample = (): Sample => ({
    tSec: (Date.now() - started) / 1000,
    api: rssMb(api.pid),
    worker: rssMb(worker.pid),
    temporal: rssMb(env.temporal.pids[DEV_SERVER] ?? 0),
  });
  try {
    const connectionId = await addConnection(env, 'bench-memory');
    const url = `${api.url}/webhooks/${connectionId}`;
    await sleep(flags.idleSec * 1000);
    const idle = sample();

    const underLoad: Sample[] = [];
    const sampler = setInterval(() => underLoad.push(sample()), 1000);
    const load = await postAll(url, makeDeliveries(env, url, flags.loadEvents, 'load'), 32);
    clearInterval(sampler);
    underLoad.push(sample());
    const peak = { api: Math.max(...underLoad.map((s) => s.api)), worker: Math.max(...underLoad.map((s) => s.worker)) };

    // Soak: `rate` fresh webhooks a second, processed end to end by the worker.
    const soak: Sample[] = [];
    const soakStart = Date.now();
    let nextSample = soakStart;
    let sent = 0;
    let accepted = 0;
    while (Date.now() - soakStart < flags.minutes * 60_000) {
      const tick = Date.now();
      const r = await postAll(url, makeDeliveries(env, url, flags.rate, `soak${sent}`), flags.rate);
      sent += flags.rate;
      accepted += r.statuses['202'] ?? 0;
      if (Date.now() >= nextSample) {
        soak.push(sample());
        nextSample += flags.sampleSec * 1000;
      }
      await sleep(Math.max(0, 1000 - (Date.now() - tick)));
    }
    soak.push(sample());
    const tail = soak.slice(Math.floor(soak.length / 5));
    const perMin = (key: 'api' | 'worker' | 'temporal') =>
      round(
        slope(
          tail.map((s) => s.tSec / 60),
          tail.map((s) => s[key]),
        ),
        2,
      );
    const processed = await env.rt.db.webhookEvent.count({ where: { connectionId, status: 'processed' } });

    const rows = (['api', 'worker', 'temporal'] as const).map((k) => ({
      process: k === 'temporal' ? 'temporal dev server (ref.)' : k,
      'idle MB': round(idle[k]),
      'under ack load, peak MB': k === 'temporal' ? '' : round(peak[k as 'api' | 'worker']),
      'soak start MB': round(soak[0]?.[k] ?? NaN),
      'soak end MB': round(soak.at(-1)?.[k] ?? NaN),
      'slope MB/min': perMin(k),
    }));
    console.log(
      `\nmemory (ack load: ${flags.loadEvents} webhooks at concurrency 32, ${round(load.perSec)}/s, p99 ${latency(load.latenciesMs).p99} ms; soak: ${flags.minutes} min at ${flags.rate}/s, ${accepted}/${sent} accepted, ${processed} processed in all)\n${table(rows)}`,
    );
    console.log(
      `\nresults: ${writeResult('memory', { flags, idle, peak, load: { perSec: round(load.perSec), ...latency(load.latenciesMs) }, soak: { sent, accepted, processed, slopeMbPerMin: { api: perMin('api'), worker: perMin('worker'), temporal: perMin('temporal') }, samples: soak }, underLoad })}`,
    );
  } finally {
    await api.stop();
    await worker.stop();
    await env.stop();
  }
});
