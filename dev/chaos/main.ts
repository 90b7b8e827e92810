// npm run chaos -- [--changes 2000] [--seed N] [--rate 40] [--apis 2] [--workers 2] [--no-kills] [--no-naive] [--keep-db] [--cluster]
//                   [--retry-model stripe|shopify|github|svix] [--retry-time-scale 0.001] [--overload-mode none|shed|overflow]
//                   [--burst]
// Runs one chaos convergence run and prints its table; exits 1 (with the seed
// and the replay command) when syncline did not converge.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_PG_URL } from '../../src/db/bootstrap';
import { findTemporalBinary } from '../../src/temporal/devServer';
import { DEFAULT_BURST, defaultOptions, randomSeed } from './options';
import { ChaosMismatchError, runChaos } from './runner';
import { isRetryModelName, RETRY_MODELS } from '../simulator/retryModels';
import { OVERLOAD_MODES, type OverloadMode } from '../../src/ingest/overloadGate';

const ROOT = path.resolve(__dirname, '../..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      changes: { type: 'string' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      apis: { type: 'string' },
      workers: { type: 'string' },
      'no-kills': { type: 'boolean' },
      cluster: { type: 'boolean' },
      'no-naive': { type: 'boolean' },
      'keep-db': { type: 'boolean' },
      'database-url': { type: 'string' },
      'retry-model': { type: 'string' },
      'retry-time-scale': { type: 'string' },
      'overload-mode': { type: 'string' },
      burst: { type: 'boolean' },
    },
  });
  const retryModel = values['retry-model'];
  if (retryModel !== undefined && !isRetryModelName(retryModel))
    throw new Error(`--retry-model: one of ${Object.keys(RETRY_MODELS).join(', ')}`);
  const overloadMode = values['overload-mode'];
  if (overloadMode !== undefined && !(OVERLOAD_MODES as readonly string[]).includes(overloadMode))
    throw new Error(`--overload-mode: one of ${OVERLOAD_MODES.join(', ')}`);
  const num = (v: string | undefined, def: number) => (v === undefined ? def : Number(v));
  const opts = defaultOptions({
    // A server URL; the run creates its own database on it (the dev default: local PostgreSQL).
    databaseUrl: values['database-url'] ?? LOCAL_PG_URL,
    temporalBinary: findTemporalBinary(undefined, ROOT),
    runDir: path.join(ROOT, '.data', 'chaos'),
    seed: num(values.seed, randomSeed()),
    changes: num(values.changes, 2_000),
    ratePerSec: num(values.rate, 40),
    apis: num(values.apis, 2),
    workers: num(values.workers, 2),
    kills: !values['no-kills'],
    cluster: values.cluster ?? false,
    naive: !values['no-naive'],
    dropDatabase: !values['keep-db'],
    retryModel,
    retryTimeScale: values['retry-time-scale'] === undefined ? undefined : Number(values['retry-time-scale']),
    overloadMode: overloadMode as OverloadMode | undefined,
    ...(values.burst ? { burst: DEFAULT_BURST } : {}),
  });
  const run = await runChaos(opts, {
    progress: (p) =>
      p.elapsedS % 5 === 0 &&
      process.stdout.write(
        `  [${p.elapsedS}s] ${p.phase}: changes ${p.changes}/${p.total} attempts ${p.sent} acked ${p.acked} processed ${p.processed} parked ${p.parked} reconciled ${p.reconciled}\n`,
      ),
  });
  process.stdout.write(`\n${run.table}\n\nconverged: final diff 0 (seed ${opts.seed})\n`);
  await run.teardown();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (!(err instanceof ChaosMismatchError)) console.error('chaos run failed:', err);
    process.exit(1);
  },
);
