// The bad-input suite: malformed, truncated and oversized bodies, wrong content
// types, invalid UTF-8, enormous and repeated headers, and fuzzed signature
// headers, against a real API process. Each gets the right 4xx, nothing is
// stored, the process never crashes, and its memory stays flat.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDelivery, type SignatureConfig } from '../../src/signatures';
import { eventCount } from '../support/events';
import { postRaw } from '../support/http';
import { freePort } from '../../dev/support/ports';
import { startTestSystem, type TestSystem } from '../support/system';
import { StopWaiting, waitFor } from '../support/wait';

const ROOT = path.resolve(__dirname, '../..');
const SIG: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_bad_input_secret';
const LIMIT = 64 * 1024;
const HEAP_LIMIT_MB = 160;

let sys: TestSystem;
let api: ChildProcess;
let base: string;
let conn: string;
let output = '';

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

function signed(
  body: Buffer | string,
  contentType = 'application/json',
  extra: Record<string, string> = {},
): { body: Buffer; headers: Record<string, string> } {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const headers = signDelivery(SIG, {
    rawBody,
    secret: SECRET,
    nowSec: Math.floor(Date.now() / 1000),
    eventId: 'unused',
  });
  return { body: rawBody, headers: { ...headers, 'content-type': contentType, ...extra } };
}

const post = (req: { body: Buffer; headers: Record<string, string | string[]> }) =>
  postRaw(`${base}/webhooks/${conn}`, req);
const validEvent = (id: string) =>
  JSON.stringify({ id, type: 'order.updated', data: { object: { type: 'order', id: 'bad-1', version: 1 } } });

beforeAll(async () => {
  sys = await startTestSystem('badinput');
  conn = await sys.addConnection({ name: 'target', signature: SIG, secrets: [SECRET] });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = sys.rt.env;
  // A small heap makes V8 collect eagerly, so a leak shows up as growth (or an out-of-memory crash), not as lazy GC.
  api = spawn(process.execPath, [`--max-old-space-size=${HEAP_LIMIT_MB}`, '--import', 'tsx', 'src/api/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: env.DATABASE_URL,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE,
      ENCRYPTION_KEY: env.ENCRYPTION_KEY,
      DATA_DIR: env.DATA_DIR,
      API_PORT: String(port),
      API_OPS_PORT: '0',
      LOG_LEVEL: 'silent',
      WEBHOOK_BODY_LIMIT_BYTES: String(LIMIT),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  api.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(
    'the API process',
    async () => {
      if (api.exitCode !== null) throw new StopWaiting(`API exited: ${output}`);
      return (await fetch(`${base}/healthz`)).ok;
    },
    60_000,
  );
});
afterAll(async () => {
  api?.kill('SIGTERM');
  await sys?.stop();
});

describe('bad input', () => {
  it('answers each malformed delivery with the right 4xx and stores nothing', async () => {
    const before = await eventCount(sys.rt.db, conn);
    const cases: Array<[string, { body: Buffer; headers: Record<string, string> }, number, string]> = [
      ['truncated JSON', signed(validEvent('evt_trunc').slice(0, 30)), 400, 'malformed_body'],
      ['a JSON array', signed('[1,2,3]'), 400, 'malformed_body'],
      ['a JSON string', signed('"hello"'), 400, 'malformed_body'],
      ['invalid UTF-8', signed(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), 400, 'malformed_body'],
      ['deeply nested JSON', signed('['.repeat(30_000) + ']'.repeat(30_000)), 400, 'malformed_body'],
      [
        'an event without an object id',
        signed(JSON.stringify({ id: 'evt_noobj', type: 'x', data: { object: { type: 'order' } } })),
        400,
        'malformed_body',
      ],
      ['text/plain', signed(validEvent('evt_text'), 'text/plain'), 415, 'unsupported_media_type'],
      ['application/xml', signed('<a/>', 'application/xml'), 415, 'unsupported_media_type'],
      ['multipart', signed(validEvent('evt_mp'), 'multipart/form-data; boundary=x'), 415, 'unsupported_media_type'],
      [
        'no signature',
        { body: Buffer.from(validEvent('evt_nosig')), headers: { 'content-type': 'application/json' } },
        401,
        'missing_signature',
      ],
      ['a body over the limit', signed(JSON.stringify({ pad: 'x'.repeat(LIMIT) })), 413, 'payload_too_large'],
    ];
    for (const [name, req, status, code] of cases) {
      const res = await post(req);
      expect({ name, status: res.status, error: res.json?.error }).toEqual({ name, status, error: code });
    }
    expect(await eventCount(sys.rt.db, conn)).toBe(before);
  });

  it('rejects enormous and repeated headers without storing anything', async () => {
    const before = await eventCount(sys.rt.db, conn);
    const huge = await post(signed(validEvent('evt_hugehdr'), 'application/json', { 'x-padding': 'p'.repeat(20_000) }));
    expect(huge.status).toBe(431);
    const req = signed(validEvent('evt_repeat'));
    const sig = req.headers['Stripe-Signature']!;
    const { 'Stripe-Signature': _one, ...rest } = req.headers;
    const repeated = await post({ body: req.body, headers: { ...rest, 'stripe-signature': [sig, sig] } });
    expect(repeated.status).toBe(401);
    expect(repeated.json?.error).toBe('malformed_signature');
    expect(await eventCount(sys.rt.db, conn)).toBe(before);
  });

  it('answers fuzzed signature headers with 401 and fuzzed signed bodies with 400, never 5xx', async () => {
    const before = await eventCount(sys.rt.db, conn);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 300 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
        async (value) => {
          const res = await post({
            body: Buffer.from(validEvent('evt_fuzzhdr')),
            headers: { 'content-type': 'application/json', 'stripe-signature': value },
          });
          return res.status === 401;
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        const res = await post(signed(Buffer.from(bytes)));
        return res.status === 400;
      }),
      { numRuns: 150 },
    );
    expect(await eventCount(sys.rt.db, conn)).toBe(before);
  });

  it('keeps running with flat memory across thousands of bad requests', async () => {
    const bad = [
      signed('{"broken'),
      signed(validEvent('evt_m'), 'text/plain'),
      { body: Buffer.from('{}'), headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' } },
    ];
    const burst = async (n: number) => {
      for (let i = 0; i < n; i += 20) await Promise.all(bad.flatMap((b) => Array.from({ length: 7 }, () => post(b))));
    };
    await burst(600);
    const warm = rssKb(api.pid!);
    await burst(3_000);
    const after = rssKb(api.pid!);
    expect(api.exitCode).toBeNull();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // Flat: growth bounded by a constant, not proportional to the 3,000+ requests (RSS is in kB).
    expect(after - warm).toBeLessThan(64 * 1024);
    const ok = await post(signed(validEvent(`evt_${sys.prefix}_after`)));
    expect(ok.status).toBe(202);
  });
});
