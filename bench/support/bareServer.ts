// Ceiling (a) of the ack benchmark: a bare node:http handler that reads the raw
// body and runs the same signature check as syncline, then answers 202. No
// Express, no database, no Temporal. Run as its own process by bench/ack.ts.
import http from 'node:http';
import { verifySignature, type SignatureConfig } from '../../src/signatures';

const config = JSON.parse(process.env.BENCH_SIGNATURE ?? '{}') as SignatureConfig;
const secrets = [process.env.BENCH_SECRET ?? ''];
const ACCEPTED = JSON.stringify({ status: 'accepted' });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      verifySignature(config, { headers: req.headers, rawBody: Buffer.concat(chunks), secrets, nowSec: Math.floor(Date.now() / 1000) });
      res.writeHead(202, { 'content-type': 'application/json' }).end(ACCEPTED);
    } catch {
      res.writeHead(401).end();
    }
  });
});
server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => console.log('bare.listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
