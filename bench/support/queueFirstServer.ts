// The queue-first baseline of bench/overload.ts (issue 20 §4), run as its own
// process: bare node:http, the same signature check as syncline, then one
// `INSERT ... ON CONFLICT DO NOTHING` into PostgreSQL, answered 202 once it
// commits (200 for a duplicate). It stands in for queue-first gateways (Convoy,
// Hookdeck): the ceiling for a durable ack on this machine. No Express, no
// logging, no metrics, no Temporal.
import http from 'node:http';
import pg from 'pg';
import { verifySignature, type SignatureConfig } from '../../src/signatures';

const config = JSON.parse(process.env.BENCH_SIGNATURE ?? '{}') as SignatureConfig;
const secrets = [process.env.BENCH_SECRET ?? ''];
const TABLE = 'bench_queue_first';

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (connection_id text NOT NULL, event_id text NOT NULL, body bytea NOT NULL,
     received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (connection_id, event_id))`,
  );
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      let eventId: string | undefined;
      try {
        eventId = verifySignature(config, {
          headers: req.headers,
          rawBody,
          secrets,
          nowSec: Math.floor(Date.now() / 1000),
        }).headerEventId;
      } catch {
        res.writeHead(401).end();
        return;
      }
      pool
        .query(`INSERT INTO ${TABLE} (connection_id, event_id, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
          req.url ?? '',
          eventId ?? '',
          rawBody,
        ])
        .then(
          (r) => res.writeHead(r.rowCount === 1 ? 202 : 200).end(),
          () => res.writeHead(503).end(),
        );
    });
  });
  server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => console.log('queue-first.listening'));
  process.on('SIGTERM', () => server.close(() => void pool.end().finally(() => process.exit(0))));
}

void main();
