// The Temporal a chaos run breaks, and how it breaks it.
//   dev server (default): one file-backed `temporal server start-dev`, SIGKILLed
//     and restarted on the same port and SQLite file.
//   cluster (--cluster): the production shape of `npm run cluster`
//     (dev/cluster: frontend, history, matching and worker processes, SQL
//     visibility) on a PostgreSQL server the run owns (dev/support/ownPostgres.ts),
//     which also holds syncline's database. History, matching and the frontend
//     are each SIGKILLed and restarted on their ports, and that PostgreSQL is
//     restarted under Temporal and syncline at once. The machine's own
//     PostgreSQL (shared with CI and other runs) is never touched.
// Contract: each fault heals itself before it resolves (a restarted service
// is back once the cluster answers through the frontend again).
import fs from 'node:fs';
import path from 'node:path';
import { startCluster, type Cluster } from '../cluster/cluster';
import { startOwnPostgres, type OwnPostgres } from '../support/ownPostgres';
import { freePort } from '../support/ports';
import { TemporalServer } from './chaosProcesses';
import type { ChaosOptions } from './options';

const DOWN_MS = 3_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ChaosFault {
  /** The line the run logs; lines starting with SIGKILL or PostgreSQL count as kills. */
  what: string;
  run(): Promise<void>;
}

export interface ChaosTemporal {
  address: string;
  uiUrl: string | undefined;
  /** The PostgreSQL server syncline's database goes on (the run's own, in cluster mode). */
  databaseServerUrl: string;
  /** Faults on Temporal and, in cluster mode, on the run's PostgreSQL. */
  faults: ChaosFault[];
  stop(): Promise<void>;
  /** Deletes what the run kept on disk for Temporal (the cluster's PostgreSQL data) once it is stopped. */
  discard(): void;
}

export async function startChaosTemporal(o: ChaosOptions, dir: string): Promise<ChaosTemporal> {
  return o.cluster ? startClusterTemporal(o, dir) : startDevServerTemporal(o, dir);
}

async function startDevServerTemporal(o: ChaosOptions, dir: string): Promise<ChaosTemporal> {
  const temporal = new TemporalServer({
    binary: o.temporalBinary,
    port: await freePort(),
    uiPort: o.uiPort ?? undefined,
    headless: o.uiPort === null,
    dbFile: path.join(dir, 'temporal.sqlite'),
    logFile: path.join(dir, 'temporal.log'),
  });
  await temporal.start();
  return {
    address: temporal.address,
    uiUrl: temporal.uiUrl,
    databaseServerUrl: o.databaseUrl,
    faults: [
      {
        what: 'SIGKILL Temporal dev server, restart on the same port and file after 3 s',
        run: () => temporal.crashAndRestart(DOWN_MS),
      },
    ],
    stop: () => temporal.stop(),
    discard: () => undefined,
  };
}

async function startClusterTemporal(o: ChaosOptions, dir: string): Promise<ChaosTemporal> {
  const pgDir = path.join(dir, 'postgres');
  const pg: OwnPostgres = await startOwnPostgres(pgDir);
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      dir: path.join(dir, 'cluster'),
      ui: o.uiPort !== null,
      postgres: { host: pg.host, port: pg.port, user: pg.user, password: pg.password },
    });
  } catch (err) {
    await pg.stop();
    throw err;
  }
  const restartService = (service: 'history' | 'matching' | 'frontend'): ChaosFault => ({
    what: `SIGKILL Temporal ${service}, restart on its ports after 3 s`,
    async run() {
      await cluster.kill(service, 'SIGKILL');
      await sleep(DOWN_MS);
      await cluster.restart(service);
    },
  });
  return {
    address: cluster.frontend,
    uiUrl: cluster.ui,
    databaseServerUrl: pg.url,
    faults: [
      restartService('history'),
      restartService('matching'),
      restartService('frontend'),
      {
        what: "PostgreSQL restarted (fast shutdown, down 3 s): Temporal's databases and syncline's",
        async run() {
          await pg.restart(DOWN_MS);
          await cluster.ready();
        },
      },
    ],
    async stop() {
      await cluster.stop();
      await pg.stop();
    },
    discard: () => fs.rmSync(pgDir, { recursive: true, force: true }),
  };
}
