// `npm run cluster`: syncline on a production-shaped Temporal cluster, in one
// command. Builds (once) and starts the cluster (dev/cluster/cluster.ts: schema
// on the local PostgreSQL, frontend/history/matching/worker processes, the
// namespace and search attributes, the Web UI), then syncline's API and worker
// (dev/quickstart.ts) against it, on their own database and database user.
// Ctrl-C stops syncline first, then the cluster.
// Environment: CLUSTER_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432,
// a login that may create databases and roles), CLUSTER_DIR (default .data/cluster),
// plus everything `npm start` reads (API_PORT, LOG_LEVEL, ...).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { startCluster, type Cluster } from './cluster';
import { ROOT } from './clusterSettings';

const APP_DB = 'syncline_cluster';
const APP_ROLE = 'syncline_app';

async function main(): Promise<void> {
  const admin = new URL(process.env.CLUSTER_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const dir = path.resolve(process.env.CLUSTER_DIR ?? path.join(ROOT, '.data/cluster'));
  process.stdout.write(`starting the Temporal cluster (logs in ${dir}; the first start builds it with Go)...\n`);
  const cluster = await startCluster({
    dir,
    ui: true,
    postgres: {
      host: admin.hostname,
      port: Number(admin.port || 5432),
      user: decodeURIComponent(admin.username),
      password: decodeURIComponent(admin.password),
    },
  });
  let stopping = false;
  const databaseUrl = await appDatabase(admin);
  const app = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'dev/quickstart.ts')], {
    stdio: 'inherit',
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: cluster.frontend,
      TEMPORAL_NAMESPACE: cluster.namespace,
      TEMPORAL_UI_URL: cluster.ui,
    },
  });
  printCluster(cluster);
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (app.exitCode === null) {
      app.kill('SIGTERM');
      await new Promise((r) => app.once('exit', r));
    }
    await cluster.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  app.once('exit', (code) => void stop(code ?? 1));
}

/** syncline's own database, owned by its own login (never Temporal's): created once, password new each start. */
async function appDatabase(admin: URL): Promise<string> {
  const password = crypto.randomBytes(18).toString('base64url');
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
    if (role.rowCount === 0) await client.query(`CREATE ROLE ${APP_ROLE} LOGIN`);
    await client.query(`ALTER ROLE ${APP_ROLE} PASSWORD '${password}'`);
    const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [APP_DB]);
    if (db.rowCount === 0) await client.query(`CREATE DATABASE ${APP_DB} OWNER ${APP_ROLE}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin.toString());
  url.username = APP_ROLE;
  url.password = password;
  url.pathname = `/${APP_DB}`;
  return url.toString();
}

function printCluster(c: Cluster): void {
  const lines = [
    '',
    'Temporal cluster (cluster mode)',
    `  frontend        ${c.frontend} (namespace ${c.namespace})`,
    `  Web UI          ${c.ui ?? '(off)'}`,
    `  databases       ${c.databases.temporal}, ${c.databases.visibility} (syncline: ${APP_DB} as ${APP_ROLE})`,
    ...Object.entries(c.metrics).map(([s, url]) => `  metrics ${s.padEnd(9)}${url}`),
    `  endpoints       ${path.join(c.logs, 'endpoints.json')}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  console.error('cluster mode failed to start:', err);
  process.exit(1);
});
