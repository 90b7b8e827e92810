// The reconcile request budget, observed from the limiter's own reservations
// instead of from wall-clock gaps between arrivals at the partner (a loaded CI
// machine bunches arrivals together: one run saw a 17 ms gap at 10 per second).
//
// The limiter (reserveRequestSlot) moves sync_checkpoints.next_request_at one
// slot on per request; a trigger logs each move for one connection into its own
// table. The budget then holds when, and only when:
//   1. the reserved slots are at least `spacingMs` apart (the limiter shares one budget),
//   2. every request at the partner reserved a slot (as many slots as requests, or more),
//   3. no request arrived before its slot: the k-th arrival is not before the k-th slot.
// Load only delays arrivals, so none of these can fail on a slow machine.
import crypto from 'node:crypto';
import type { Db } from '../../src/db/prisma';

/** Clock granularity between PostgreSQL's timestamptz(3) and Date.now(), plus a timer firing up to 1 ms early. */
const CLOCK_TOLERANCE_MS = 3;

export interface SlotLog {
  /** Slot start times (epoch ms), ascending. */
  slots(): Promise<number[]>;
  close(): Promise<void>;
}

/** Starts logging the request slots the limiter reserves for `connectionId` (test-only trigger, dropped by close). */
export async function logRequestSlots(db: Db, connectionId: string, spacingMs: number): Promise<SlotLog> {
  const name = `test_slots_${crypto.randomBytes(4).toString('hex')}`;
  await db.$executeRawUnsafe(`CREATE TABLE ${name} (slot_end timestamptz(3) NOT NULL)`);
  await db.$executeRawUnsafe(`
    CREATE FUNCTION ${name}_log() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO ${name} (slot_end) VALUES (NEW.next_request_at); RETURN NEW; END $$`);
  await db.$executeRawUnsafe(`
    CREATE TRIGGER ${name} AFTER UPDATE OF next_request_at ON sync_checkpoints FOR EACH ROW
    WHEN (NEW.connection_id = '${connectionId.replace(/'/g, "''")}') EXECUTE FUNCTION ${name}_log()`);
  return {
    async slots() {
      const rows = await db.$queryRawUnsafe<{ slot_end: Date }[]>(`SELECT slot_end FROM ${name} ORDER BY slot_end`);
      return rows.map((r) => r.slot_end.getTime() - spacingMs);
    },
    async close() {
      await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${name} ON sync_checkpoints`);
      await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${name}_log()`);
      await db.$executeRawUnsafe(`DROP TABLE IF EXISTS ${name}`);
    },
  };
}

/**
 * Every way the budget can be broken, as readable lines (empty when kept):
 * slots closer than `spacingMs`, requests without a slot, requests ahead of their slot.
 */
export function budgetViolations(slots: number[], arrivals: number[], spacingMs: number): string[] {
  const out: string[] = [];
  for (let k = 1; k < slots.length; k++) {
    const gap = slots[k]! - slots[k - 1]!;
    if (gap < spacingMs - CLOCK_TOLERANCE_MS) out.push(`slots ${k - 1} and ${k} are ${gap} ms apart`);
  }
  if (arrivals.length > slots.length) out.push(`${arrivals.length} requests but only ${slots.length} slots reserved`);
  // Any subset of the slots (the ones these requests hold) has its k-th smallest no earlier than the k-th slot overall.
  const sorted = [...arrivals].sort((a, b) => a - b);
  sorted.forEach((at, k) => {
    const slot = slots[k];
    if (slot !== undefined && at < slot - CLOCK_TOLERANCE_MS)
      out.push(`request ${k} arrived ${slot - at} ms before slot ${k}`);
  });
  return out;
}
