// connections: one row per customer account at a partner, secrets sealed
// (src/connections/repository.ts seals, caches and validates; this module
// only reads and writes the rows).
import type { Prisma } from '../generated/prisma/client';
import type { Executor } from './executor';

export function findConnectionRow(x: Executor, id: string) {
  return x.connection.findUnique({ where: { id } });
}

export function listConnectionRows(x: Executor) {
  return x.connection.findMany({ orderBy: { id: 'asc' } });
}

/** Ids in order; `enabledOnly` leaves disabled connections out; `limit` keeps the first ones. */
export async function listConnectionIds(
  x: Executor,
  opts: { enabledOnly?: boolean; limit?: number } = {},
): Promise<string[]> {
  const rows = await x.connection.findMany({
    where: opts.enabledOnly ? { enabled: true } : undefined,
    select: { id: true },
    orderBy: { id: 'asc' },
    take: opts.limit,
  });
  return rows.map((r) => r.id);
}

export async function createConnectionRow(x: Executor, data: Prisma.ConnectionCreateInput): Promise<void> {
  await x.connection.create({ data });
}

export async function updateConnectionRow(x: Executor, id: string, data: Prisma.ConnectionUpdateInput): Promise<void> {
  await x.connection.update({ where: { id }, data });
}

/** The connector of a connection, or undefined when there is no such connection. */
export async function connectorOf(x: Executor, id: string): Promise<string | undefined> {
  const row = await x.connection.findUnique({ where: { id }, select: { connector: true } });
  return row?.connector;
}

/** Replaces a row's sealed secrets only if they are still `from` (a concurrent change wins); true when replaced. */
export async function resealConnectionRow(x: Executor, id: string, from: string, to: string): Promise<boolean> {
  const { count } = await x.connection.updateMany({ where: { id, secretsEnc: from }, data: { secretsEnc: to } });
  return count === 1;
}
