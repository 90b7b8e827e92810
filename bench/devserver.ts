// Dev-server tuning: raw client.workflow.start throughput (the ack ceiling, with
// the receiver's exact options) on fresh dev servers that differ only in their
// SQLite settings, measured one after another in the same run.
//   npm run bench:devserver -- [--starts 600] [--concurrency 32] [--rounds 1]
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { EncryptionCodec } from '../src/crypto/payloadCodec';
import { EventStarter } from '../src/ingest/starter';
import { temporalDataConverter } from '../src/temporal/dataConverter';
import { eventWorkflowId } from '../src/ingest/workflowId';
import { findTemporalBinary, startDevServer } from '../src/temporal/devServer';
import { ROOT } from './support/env';
import { rawInput } from './support/fixtures';
import { callAll } from './support/load';
import { freePort } from '../dev/support/ports';
import { latency, parseFlags, round, runBench, table, writeResult } from './support/report';

const pragma = (kv: string[]) => kv.flatMap((p) => ['--sqlite-pragma', p]);
/** name → [file-backed?, extra args]. "default" is what src/temporal/devServer.ts runs (WAL, synchronous=off). */
const VARIANTS: Record<string, [boolean, string[]]> = {
  default: [true, []],
  'big cache + mmap + temp in memory': [
    true,
    pragma(['cache_size=-131072', 'temp_store=memory', 'mmap_size=268435456']),
  ],
  'in-memory (reference, not durable)': [false, []],
};

runBench(async () => {
  const flags = parseFlags({ starts: 600, concurrency: 32, rounds: 1 });
  const dir = path.join(ROOT, '.data', 'bench', `devserver-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  const results: Array<{ variant: string; round: number; perSec: number; p50: number; p99: number; ok: number }> = [];
  try {
    for (let round_ = 1; round_ <= flags.rounds; round_++) {
      for (const [name, [file, extra]] of Object.entries(VARIANTS)) {
        const server = await startDevServer({
          binary: findTemporalBinary(process.env.TEMPORAL_CLI_PATH, ROOT),
          port: await freePort(),
          headless: true,
          dbFile: file ? path.join(dir, `${name.replace(/\W+/g, '-')}-${round_}.sqlite`) : undefined,
          extraArgs: extra,
        });
        const connection = await Connection.connect({ address: server.address });
        // Encrypted like the receiver's starts (a key of this run's own).
        const dataConverter = temporalDataConverter(new EncryptionCodec(crypto.randomBytes(32)));
        const starter = new EventStarter(new Client({ connection, dataConverter }), 'bench-devserver', 10_000);
        const go = (n: number, tag: string) =>
          callAll(
            Array.from({ length: n }, (_, i) => i),
            flags.concurrency,
            (i) => starter.start(eventWorkflowId('bench', `${tag}_${i}`), rawInput('bench', i, tag)),
          );
        await go(100, 'warm');
        const r = await go(flags.starts, 'measure');
        results.push({
          variant: name,
          round: round_,
          perSec: round(r.perSec),
          ...latency(r.latenciesMs),
          ok: r.statuses.ok ?? 0,
        });
        console.log(`${name}: ${round(r.perSec)} starts/s`);
        await connection.close();
        await server.stop();
      }
    }
    console.log(
      `\nraw workflow starts by dev-server SQLite settings (concurrency ${flags.concurrency})\n${table(results.map((r) => ({ variant: r.variant, round: r.round, 'starts/s': r.perSec, 'p50 ms': r.p50, 'p99 ms': r.p99, ok: `${r.ok}/${flags.starts}` })))}`,
    );
    console.log(`\nresults: ${writeResult('devserver', { flags, results })}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
