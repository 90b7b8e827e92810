// Starts stripe-mock (Stripe's official API mock, built into .tools/bin by
// scripts/ensure-stripe-mock.sh) on a free loopback port, for the stripe
// connector's tests and the demo Stripe connection of `npm start`. It answers
// every documented endpoint with Stripe's own fixture objects and is stateless.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './ports';

export interface StripeMock {
  /** http://127.0.0.1:<port>: a connection's apiBaseUrl. */
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

/** The stripe-mock binary: STRIPE_MOCK_PATH, else .tools/bin/stripe-mock under `projectRoot`; null when neither exists. */
export function findStripeMock(projectRoot: string, explicit = process.env.STRIPE_MOCK_PATH): string | null {
  if (explicit && fs.existsSync(explicit)) return explicit;
  const local = path.join(projectRoot, '.tools', 'bin', 'stripe-mock');
  return fs.existsSync(local) ? local : null;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/customers/cus_probe`, {
      headers: { authorization: 'Bearer sk_test_probe' },
      signal: AbortSignal.timeout(1_000),
    });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function startStripeMock(binary: string): Promise<StripeMock> {
  const port = await freePort();
  const httpsPort = await freePort();
  const child: ChildProcess = spawn(binary, ['-http-port', String(port), '-https-port', String(httpsPort)], {
    stdio: 'ignore',
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(url))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`stripe-mock (${binary}) did not answer on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop };
}
