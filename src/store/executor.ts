// What every store function runs its SQL on: the Prisma client, or the
// transaction client that db.$transaction hands its callback. Store functions
// never open a transaction of their own, so a caller composes several of them
// (and of several table families) into one transaction.
import type { Db } from '../db/prisma';
import type { Prisma } from '../generated/prisma/client';

export type Executor = Db | Prisma.TransactionClient;

export { toBigInt } from '../db/prisma';
