// Ceilings of the ack benchmark, run as their own process by bench/ack.ts: a
// bare node:http handler that reads the raw body and runs the same signature
// check as syncline, then
//   POST /check/...  answers 202 at once (ceiling a: HTTP plus the check);
//   POST /start/...  starts the same workflow with the receiver's exact options
//                    (EventStarter.start, input from fixtures.rawInput) and then
//                    answers 202 (ceiling c: the least any HTTP receiver that
//                    hands events to Temporal must do).
// No Express, no logging, no metrics, no database.
import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { EncryptionCodec } from '../../src/crypto/payloadCodec';
import { parseKey } from '../../src/crypto/secretBox';
import { EventStarter } from '../../src/ingest/starter';
import { temporalDataConverter } from '../../src/temporal/dataConverter';
import { eventWorkflowId } from '../../src/ingest/workflowId';
import { verifySignature, type SignatureConfig } from '../../src/signatures';
import { rawInput } from './fixtures';

const config = JSON.parse(process.env.BENCH_SIGNATURE ?? '{}') as SignatureConfig;
const secrets = [process.env.BENCH_SECRET ?? ''];
const connectionId = process.env.BENCH_CONNECTION ?? 'bench';
const ACCEPTED = JSON.stringify({ status: 'accepted' });

async function main(): Promise<void> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '' });
  // Encrypts its starts like the receiver does (same key), so the ceiling pays the codec too.
  const dataConverter = temporalDataConverter(new EncryptionCodec(parseKey(process.env.ENCRYPTION_KEY ?? '')));
  const starter = new EventStarter(
    new Client({ connection, dataConverter }),
    process.env.TEMPORAL_TASK_QUEUE ?? 'bench-ack',
    4_000,
  );
  let started = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        verifySignature(config, {
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
          secrets,
          nowSec: Math.floor(Date.now() / 1000),
        });
      } catch {
        res.writeHead(401).end();
        return;
      }
      if (!req.url?.startsWith('/start/')) {
        res.writeHead(202, { 'content-type': 'application/json' }).end(ACCEPTED);
        return;
      }
      const i = started++;
      const tag = `bare${process.pid}`;
      starter.start(eventWorkflowId(connectionId, `${tag}_${i}`), rawInput(connectionId, i, tag)).then(
        () => res.writeHead(202, { 'content-type': 'application/json' }).end(ACCEPTED),
        () => res.writeHead(503).end(),
      );
    });
  });
  server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => console.log('bare.listening'));
  process.on('SIGTERM', () => server.close(() => void connection.close().finally(() => process.exit(0))));
}

void main();
