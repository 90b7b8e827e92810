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

export function createDb(opts: DbOptions): Db {
  const adapter = new PrismaPg({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 3_000,
    statement_timeout: opts.statementTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  return new PrismaClient({ adapter });
}
