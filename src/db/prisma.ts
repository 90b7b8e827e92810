// Prisma client over node-postgres (driver adapter, no native engine). Pool
// limits and a statement timeout keep a slow database from holding webhook
// acks past the partner's deadline.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = InstanceType<typeof PrismaClient>;

export interface DbOptions {
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/**
 * statement_timeout is enforced by the server, so it cannot end a query whose
 * server has gone silent (a partition, a hung host): that query would hold a
 * webhook ack forever. A client-side query_timeout a little longer than the
 * statement timeout fails it instead, and the pool discards the connection.
 */
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;

export function createDb(opts: DbOptions): Db {
  const statementTimeoutMs = opts.statementTimeoutMs ?? 5_000;
  const adapter = new PrismaPg({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 3_000,
    statement_timeout: statementTimeoutMs,
    // 0 disables the statement timeout; then there is no client-side bound either.
    query_timeout: statementTimeoutMs > 0 ? statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS : undefined,
    idleTimeoutMillis: 30_000,
  });
  return new PrismaClient({ adapter });
}

/** A JSON number (versions travel as numbers) as the BIGINT a column holds; null stays null. */
export function toBigInt(v: number | null | undefined): bigint | null {
  return v === undefined || v === null ? null : BigInt(Math.trunc(v));
}
