// Opens what every syncline process shares: the database (found, created or
// embedded; migrated), the Prisma client, the secret box and the connection
// repository. Used by the quickstart, the API, the worker and the ops CLI.
import type { Env } from '../config';
import { dataDir } from '../config';
import { ConnectionRepository } from '../connections/repository';
import { keyringFromEnv, payloadCodecFromKeyring } from '../crypto/keys';
import type { EncryptionCodec } from '../crypto/payloadCodec';
import { SecretBox } from '../crypto/secretBox';
import { type Database, openDatabase } from '../db/bootstrap';
import { migrate } from '../db/migrate';
import { type Db, createDb } from '../db/prisma';
import type { Logger } from '../infra/log';
import { createMetrics, type Metrics } from '../metrics/metricsRegistry';
import { tracedDb } from '../tracing/dbSpans';
import type { Tracing } from '../tracing/tracing';

export interface Runtime {
  env: Env;
  log: Logger;
  database: Database;
  db: Db;
  box: SecretBox;
  /** Encrypts Temporal payloads: every Temporal client and worker of the process uses it (see temporalDataConverter). */
  codec: EncryptionCodec;
  connections: ConnectionRepository;
  /** This process's metrics registry, shared by its API and worker (one registry per process). */
  metrics: Metrics;
  /** This process's tracing (src/tracing); undefined = off, and then nothing is traced. Not closed by close(): its owner shuts it down last. */
  tracing: Tracing | undefined;
  close(): Promise<void>;
}

export async function openRuntime(
  env: Env,
  log: Logger,
  opts: { migrate?: boolean; tracing?: Tracing } = {},
): Promise<Runtime> {
  const database = await openDatabase({
    url: env.DATABASE_URL,
    dataDir: dataDir(env),
    embeddedPort: env.EMBEDDED_PG_PORT,
    log,
  });
  if (opts.migrate !== false) {
    const applied = await migrate(database.url).catch(async (err: unknown) => {
      await database.stop();
      throw err;
    });
    if (applied.length > 0) log.info({ event: 'db.migrated', applied }, 'migrations applied');
  }
  const plainDb = createDb({
    url: database.url,
    poolSize: env.DATABASE_POOL_SIZE,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  const db = opts.tracing ? tracedDb(plainDb) : plainDb;
  const keys = keyringFromEnv(env, dataDir(env));
  const box = new SecretBox(keys.current, keys.previous);
  const codec = payloadCodecFromKeyring(keys, env);
  const connections = new ConnectionRepository(
    db,
    box,
    env.CONNECTION_CACHE_TTL_MS,
    Date.now,
    env.CONNECTION_CACHE_MAX_ENTRIES,
    env.NODE_ENV === 'production',
  );
  return {
    env,
    log,
    database,
    db,
    box,
    codec,
    connections,
    metrics: createMetrics(),
    tracing: opts.tracing,
    async close() {
      await db.$disconnect();
      await database.stop();
    },
  };
}

/** A long-running part of a process (API, worker): `stop()` drains before it resolves. */
export interface Running {
  stop(): Promise<void>;
}

/** The runtime's metrics registry with Node process metrics on: for processes that serve /metrics. */
export function processMetrics(rt: Runtime): Metrics {
  rt.metrics.collectProcessMetrics();
  return rt.metrics;
}
