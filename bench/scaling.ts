// Scaling: how the webhook figures grow with volume. For each size n (default
// 1k then 10k, cumulative in one database and one dev server, so tables and
// Temporal's store grow as they would), runs the e2e measurement: n webhooks
// acked over HTTP while the worker processes them, then n trivial workflows.
// Reports throughput per size and the exponent b of time ∝ n^b (1 = linear;
// above 1.2 is flagged super-linear). Reconciliation scales with
// `npm run bench:reconcile -- --sizes 1000,10000,100000`.
// --ack-only measures only the ack rate (the worker still processes alongside);
// --no-trivial skips the trivial-workflow reference, which doubles a run (100k
// events end to end take about 1.5 h on a 2-core machine, and so does the reference).
//   npm run bench:scaling -- [--sizes 1000,10000,100000] [--concurrency 32] [--ack-only | --no-trivial]
import { measureE2e, startE2eSystem } from './e2e';
import { startBenchEnv } from './support/env';
import { growth, parseFlags, runBench, table, writeResult } from './support/report';

runBench(async () => {
  const flags = parseFlags({
    sizes: '1000,10000',
    concurrency: 32,
    timeoutSec: 3600,
    ackOnly: false,
    noTrivial: false,
  });
  const scope = flags.ackOnly ? 'ack' : flags.noTrivial ? 'e2e' : 'e2e+trivial';
  const sizes = flags.sizes.split(',').map(Number);
  const env = await startBenchEnv('scaling');
  const sys = await startE2eSystem(env);
  try {
    const results = [];
    for (const n of sizes) {
      const r = await measureE2e(
        env,
        sys.api.url,
        sys.client,
        sys.connectionId,
        n,
        flags.concurrency,
        flags.timeoutSec * 1000,
        scope,
      );
      const webhookRows = await env.rt.db.webhookEvent.count();
      results.push({ ...r, webhookRowsAfter: webhookRows });
      console.log(`${n}: ack ${r.syncline.ackPerSec}/s, e2e ${r.syncline.perSec}/s, trivial ${r.trivial.perSec}/s`);
    }
    const ackSeconds = results.map(
      (r) => [r.syncline.accepted, r.syncline.accepted / r.syncline.ackPerSec] as [number, number],
    );
    const curve = {
      ack: growth(ackSeconds),
      e2e: scope === 'ack' ? null : growth(results.map((r) => [r.events, r.syncline.seconds])),
      trivial: scope === 'e2e+trivial' ? growth(results.map((r) => [r.events, r.trivial.seconds])) : null,
    };
    console.log(
      `\nscaling (time ∝ n^b)\n${table(
        results.map((r) => ({
          n: r.events,
          answers: Object.entries(r.syncline.answers)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', '),
          'ack/s (202s)': r.syncline.ackPerSec,
          'e2e events/s': r.syncline.perSec,
          'trivial wf/s': r.trivial.perSec,
          'e2e÷trivial': r.ratio,
          'rows in webhook_events after': r.webhookRowsAfter,
        })),
      )}`,
    );
    console.log(
      `ack b=${curve.ack.exponent} (${curve.ack.verdict})${curve.e2e ? `; e2e b=${curve.e2e.exponent} (${curve.e2e.verdict})` : ''}${curve.trivial ? `; trivial b=${curve.trivial.exponent} (${curve.trivial.verdict})` : ''}`,
    );
    console.log(`\nresults: ${writeResult('scaling', { flags, results, curve })}`);
  } finally {
    await sys.stop();
    await env.stop();
  }
});
