// npm run demo [-- --changes 1000 --seed N]: syncline under chaos, for a newcomer
// to watch. Embedded defaults like `npm start` (local PostgreSQL, else an
// embedded one; a file-backed Temporal dev server with the Web UI), two API
// processes, two workers, the faulty partner and the naive receiver. One
// status line redraws every second; faults are announced as they happen; the
// convergence table ends it, and everything stays up for the Web UI until Ctrl-C.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dataDir, parseEnv } from '../../src/config';
import { openDatabase } from '../../src/db/bootstrap';
import { createLogger } from '../../src/infra/log';
import { findTemporalBinary } from '../../src/temporal/devServer';
import { freePort } from '../support/ports';
import { defaultOptions, randomSeed } from './options';
import { ChaosMismatchError, type Progress, runChaos } from './runner';

const ROOT = path.resolve(__dirname, '../..');
const DEMO_CHANGES = 1_000;
const tty = process.stdout.isTTY === true;
let statusLine = '';

function show(p: Progress): void {
  statusLine = `[${String(p.elapsedS).padStart(4)}s] ${p.phase.padEnd(30)} changes ${p.changes}/${p.total}  sent ${p.sent}  acked ${p.acked}  processed ${p.processed}  parked ${p.parked}  reconciled ${p.reconciled}`;
  if (tty) process.stdout.write(`\r\x1b[2K${statusLine}`);
  else if (p.elapsedS % 5 === 0) process.stdout.write(`${statusLine}\n`);
}

function say(line: string): void {
  process.stdout.write(tty ? `\r\x1b[2K${line}\n${statusLine}` : `${line}\n`);
}

async function uiPort(preferred: number): Promise<number> {
  const ok = await fetch(`http://127.0.0.1:${preferred}`, { signal: AbortSignal.timeout(500) }).then(
    () => false,
    () => true,
  );
  return ok ? preferred : freePort();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { changes: { type: 'string' }, seed: { type: 'string' }, rate: { type: 'string' } },
  });
  const env = parseEnv();
  const log = createLogger('warn', 'demo');
  const database = await openDatabase({
    url: env.DATABASE_URL,
    dataDir: dataDir(env),
    embeddedPort: env.EMBEDDED_PG_PORT,
    log,
  });
  const opts = defaultOptions({
    databaseUrl: database.url,
    temporalBinary: findTemporalBinary(env.TEMPORAL_CLI_PATH, ROOT),
    runDir: path.join(dataDir(env), 'demo'),
    uiPort: await uiPort(env.TEMPORAL_DEV_UI_PORT),
    seed: values.seed ? Number(values.seed) : randomSeed(),
    changes: values.changes ? Number(values.changes) : DEMO_CHANGES,
    ratePerSec: values.rate ? Number(values.rate) : 40,
  });
  process.stdout.write(
    `syncline demo: ${opts.changes} partner changes, every fault on, 2 APIs + 2 workers, seed ${opts.seed}\n` +
      '  the partner drops, duplicates, reorders, delays and bursts webhooks, forges some, rotates its secret,\n' +
      '  and its API answers 500/503/429; meanwhile processes, Temporal and PostgreSQL are killed and come back.\n\n',
  );
  let stopping = false;
  let stop: () => Promise<void> = () => database.stop();
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write('\nstopping...\n');
    void stop().finally(() => process.exit(0));
  });
  try {
    const run = await runChaos(opts, { log: say, progress: show });
    stop = async () => {
      await run.teardown();
      await database.stop();
    };
    process.stdout.write(
      `${tty ? '\r\x1b[2K' : ''}\n${run.table}\n\n` +
        `syncline converged on the partner's truth: final diff 0 (seed ${opts.seed}).\n\n` +
        `Temporal Web UI  ${run.uiUrl ?? '(headless)'}   (namespace default; search: SynclineConnection = "${run.connectionId}")\n` +
        'Everything keeps running so you can look around. Ctrl-C stops it.\n',
    );
  } catch (err) {
    if (!(err instanceof ChaosMismatchError)) console.error('\ndemo failed:', err);
    await database.stop();
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error('demo failed to start:', err);
  process.exit(1);
});
