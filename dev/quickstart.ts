// The quickstart: the whole system in one command on embedded defaults.
// Database (local or embedded PostgreSQL, migrated), the Temporal dev server
// (unless TEMPORAL_ADDRESS is set), the dev seed's connections, the partner
// simulator they point at, a worker and the API, and a Stripe connection
// backed by stripe-mock (dev/stripeDemo.ts) when it is built. Ctrl-C stops it all, in
// reverse order, draining each part.
import fs from 'node:fs';
import path from 'node:path';
import { dataDir, parseEnv } from '../src/config';
import { seedConnections } from '../src/connections/seed';
import { consoleDestination, createLogger } from '../src/infra/log';
import { reconcileServiceFor } from '../src/reconcile';
import { startPartnerSimulator } from './simulator';
import { startStripeDemo } from './stripeDemo';
import { targetFromEnv } from '../src/temporal/connection';
import { type DevServer, findTemporalBinary, startDevServer } from '../src/temporal/devServer';
import { runApi } from '../src/api/runApi';
import { runWorker } from '../src/worker/runWorker';
import { openRuntime } from '../src/system/runtime';
import { onShutdown } from '../src/system/shutdown';
import { listConnectionIds } from '../src/store/connectionRows';

const ROOT = path.resolve(__dirname, '..');
const DEV_SEED = path.join(ROOT, 'config/connections.dev.json');

// Filled as parts start; run newest first on Ctrl-C or when start-up fails half-way.
const stoppers: Array<() => Promise<void>> = [];

async function main(): Promise<void> {
  const env = parseEnv();
  const log = createLogger(env.LOG_LEVEL, 'syncline', consoleDestination({ format: env.LOG_FORMAT, bufferBytes: 0 }));
  onShutdown(log, stoppers);

  const rt = await openRuntime(env, log);
  stoppers.unshift(rt.close);
  const seedFile = env.SEED_FILE ?? (fs.existsSync(DEV_SEED) ? DEV_SEED : undefined);
  if (seedFile) await seedConnections(seedFile, rt.connections, log);

  let dev: DevServer | undefined;
  if (!env.TEMPORAL_ADDRESS) {
    const dir = path.join(dataDir(env), 'temporal');
    fs.mkdirSync(dir, { recursive: true });
    dev = await startDevServer({
      binary: findTemporalBinary(env.TEMPORAL_CLI_PATH, ROOT),
      port: env.TEMPORAL_DEV_PORT,
      uiPort: env.TEMPORAL_DEV_UI_PORT,
      dbFile: path.join(dir, 'dev.sqlite'),
      logFile: path.join(dir, 'dev-server.log'),
    });
    stoppers.unshift(() => dev!.stop());
  }
  const target = targetFromEnv(env, dev?.address);

  if (env.START_SIMULATOR) {
    const partner = await startPartnerSimulator({ apiKey: env.SIMULATOR_API_KEY, port: env.SIMULATOR_PORT });
    stoppers.unshift(partner.close);
  }
  // One process: the API's /metrics already serves this process's registry, worker metrics included.
  const worker = await runWorker(rt, target, { uiUrl: dev?.uiUrl, opsPort: null, notifyDispatcher: true });
  stoppers.unshift(worker.stop);
  const api = await runApi(rt, target, { uiUrl: dev?.uiUrl });
  stoppers.unshift(api.stop);
  // Every seeded connection gets its reconciliation schedules; the health check and event retention get theirs.
  const reconcile = reconcileServiceFor(api.client, rt);
  await reconcile.schedules.syncAll();
  await reconcile.schedules.ensureMaintenanceSchedules();
  // A real partner API (stripe-mock) behind the stripe connector; optional, never fatal.
  const stripe = env.START_SIMULATOR ? await startStripeDemo(rt, reconcile, log) : null;
  if (stripe) stoppers.unshift(stripe.stop);

  const connections = (await listConnectionIds(rt.db, { limit: 5 })).map((id) => ({ id }));
  const uiUrl = env.TEMPORAL_UI_URL ?? dev?.uiUrl;
  const lines = [
    '',
    'syncline is running',
    `  webhooks        POST ${api.url}/webhooks/<connectionId>`,
    ...connections.map((c) => `                  POST ${api.url}/webhooks/${c.id}`),
    `  health          ${api.url}/healthz`,
    `  ops (loopback)  ${api.opsUrl}/readyz   ${api.opsUrl}/metrics   ${api.opsUrl}/admin`,
    `  Temporal        ${target.address} (namespace ${target.namespace})${dev ? ', dev server' : ''}`,
    `  Temporal Web UI ${uiUrl ?? '(set TEMPORAL_UI_URL)'}`,
    `  database        ${rt.database.kind} PostgreSQL`,
    env.START_SIMULATOR ? `  partner sim     http://127.0.0.1:${env.SIMULATOR_PORT}` : '',
    stripe
      ? `  Stripe demo     ${stripe.url} (stripe-mock) as connection ${stripe.connectionId}: ` +
        `npm run syncline -- records list --connection ${stripe.connectionId}`
      : '',
    '  ops CLI         npm run syncline -- help',
    '  stop            Ctrl-C',
    '',
  ].filter((l) => l !== '');
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch(async (err: unknown) => {
  console.error('syncline failed to start:', err);
  for (const stop of stoppers) await stop().catch(() => undefined);
  process.exit(1);
});
