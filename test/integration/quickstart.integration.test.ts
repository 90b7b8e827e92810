// The README's first command, as a new user runs it: the quickstart entry point
// as a child process on its own ports, its own Temporal dev server (file-backed,
// Web UI on) and database. A signed webhook goes through, and Ctrl-C (SIGINT)
// stops everything cleanly, dev server included.
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { WebhookSender } from '../../dev/simulator';
import { freePort } from '../../dev/support/ports';
import { StopWaiting, waitFor } from '../support/wait';

const ROOT = path.resolve(__dirname, '../..');
const seed = JSON.parse(fs.readFileSync(path.join(ROOT, 'config/connections.dev.json'), 'utf8')) as {
  connections: Array<{ id: string; signingSecrets: string[] }>;
};
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

describe('quickstart', () => {
  it('starts the whole system, processes a signed webhook, and shuts down cleanly on Ctrl-C', async () => {
    const [apiPort, opsPort, temporalPort, uiPort, simPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const dbUrl = new URL(inject('databaseUrl'));
    dbUrl.pathname = `/quickstart_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    const dataDir = path.join(inject('runDir'), 'quickstart');
    // The seed points the demo connection at port 4010; give the test its own seed on free ports.
    const seedFile = path.join(inject('runDir'), 'quickstart-seed.json');
    const demo = { ...seed.connections[0]!, apiBaseUrl: `http://127.0.0.1:${simPort}` };
    fs.writeFileSync(seedFile, JSON.stringify({ connections: [demo] }));

    let output = '';
    child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['dev/quickstart.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: dbUrl.toString(),
        DATA_DIR: dataDir,
        SEED_FILE: seedFile,
        LOG_LEVEL: 'warn',
        API_PORT: String(apiPort),
        API_OPS_PORT: String(opsPort),
        TEMPORAL_DEV_PORT: String(temporalPort),
        TEMPORAL_DEV_UI_PORT: String(uiPort),
        SIMULATOR_PORT: String(simPort),
        TEMPORAL_ADDRESS: '',
        TEMPORAL_CLI_PATH: inject('temporalBinary'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));

    await waitFor(
      'the start banner',
      async () => {
        if (child!.exitCode !== null) throw new StopWaiting(`quickstart exited early (${child!.exitCode}):\n${output}`);
        return output.includes('syncline is running');
      },
      90_000,
    );
    expect(output).toContain(`POST http://127.0.0.1:${apiPort}/webhooks/${demo.id}`);
    expect(output).toContain(`Temporal Web UI http://127.0.0.1:${uiPort}`);
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
    expect(output).toContain(`ops (loopback)  http://127.0.0.1:${opsPort}/readyz`);
    await waitFor('readiness', async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status === 200);

    const sender = new WebhookSender({
      targetUrl: `http://127.0.0.1:${apiPort}/webhooks/${demo.id}`,
      signature: { scheme: 'standard-webhooks' },
      secret: demo.signingSecrets[0]!,
    });
    const event = {
      id: `evt_qs_${crypto.randomBytes(4).toString('hex')}`,
      type: 'order.deleted' as const,
      created: 0,
      data: { object: { type: 'order', id: 'qs-1', version: 5, deleted: true } },
    };
    const res = await sender.deliver(event);
    expect(res.status).toBe(202);

    const { Client: PgClient } = await import('pg');
    const pg = new PgClient({ connectionString: dbUrl.toString() });
    await pg.connect();
    try {
      const row = await waitFor('the event to be processed', async () => {
        const r = await pg.query(
          'SELECT status, outcome FROM webhook_events WHERE connection_id = $1 AND event_id = $2',
          [demo.id, event.id],
        );
        return r.rows[0]?.status === 'processed' ? r.rows[0] : undefined;
      });
      expect(row.outcome).toBe('tombstoned');
      // The Stripe demo: stripe-mock behind the stripe connector, synced by a first reconciliation run.
      expect(output).toContain('Stripe demo     http://127.0.0.1:');
      const synced = await waitFor('the Stripe demo to sync from stripe-mock', async () => {
        const r = await pg.query(
          "SELECT object_type FROM sync_records WHERE connection_id = 'stripe-demo' ORDER BY object_type",
        );
        return r.rows.length >= 7 ? r.rows.map((x: { object_type: string }) => x.object_type) : undefined;
      });
      expect(synced).toEqual(['charge', 'customer', 'invoice', 'payment_intent', 'price', 'product', 'subscription']);
    } finally {
      await pg.end();
    }

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // Every port the system held is free again: nothing was left running.
    for (const port of [apiPort, temporalPort, uiPort, simPort]) {
      await waitFor(
        `port ${port} to be released`,
        async () => {
          const ok = await fetch(`http://127.0.0.1:${port}/`).then(
            () => false,
            () => true,
          );
          return ok;
        },
        15_000,
      );
    }
  });
});
