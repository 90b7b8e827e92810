// The convergence checks of a chaos run, over syncline's own tables and the
// partner's truth. Each check yields a number that must be zero, plus the
// first few offending keys so a failure says what went wrong.
import { isDeepStrictEqual } from 'node:util';
import type { Db } from '../../src/db/prisma';
import type { ChaosPartner } from './';

export const FINAL_STATUSES = ['processed', 'superseded', 'skipped'];

export interface Verdict {
  diff: { missing: number; stale: number; resurrected: number; extra: number };
  overApplied: number;
  appliedTwice: number;
  notFinal: number;
  hostileStored: number;
  ackedWithoutRow: number;
  unknownRows: number;
  genuineRejected: number;
  hostileAccepted: number;
  statuses: Record<string, number>;
  parkedEver: number;
  samples: string[];
}

export function failures(v: Verdict): string[] {
  const bad: string[] = [];
  for (const [k, n] of Object.entries(v.diff)) if (n > 0) bad.push(`${n} records ${k}`);
  const named: Array<[keyof Verdict, string]> = [
    ['overApplied', 'records written more often than the partner changed them'],
    ['appliedTwice', 'versions applied by two events'],
    ['notFinal', 'events without a final status'],
    ['hostileStored', 'forged or stale-signed deliveries stored'],
    ['hostileAccepted', 'forged or stale-signed deliveries answered 2xx'],
    ['ackedWithoutRow', 'acked events with no event row'],
    ['unknownRows', 'event rows the partner never sent'],
    ['genuineRejected', 'genuine deliveries rejected 401'],
  ];
  for (const [k, label] of named) if ((v[k] as number) > 0) bad.push(`${String(v[k])} ${label}`);
  return bad;
}

export async function statusCounts(db: Db, connectionId: string): Promise<Record<string, number>> {
  const rows = await db.webhookEvent.groupBy({ by: ['status'], where: { connectionId }, _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
}

export async function verify(db: Db, connectionId: string, partner: ChaosPartner): Promise<Verdict> {
  const samples: string[] = [];
  const note = (s: string) => void (samples.length < 12 && samples.push(s));
  const records = await db.syncRecord.findMany({ where: { connectionId } });
  const local = new Map(records.map((r) => [`${r.objectType}/${r.objectId}`, r]));
  const versions = partner.versionsPerObject();
  const diff = { missing: 0, stale: 0, resurrected: 0, extra: 0 };
  let overApplied = 0;
  for (const o of partner.store.all()) {
    const key = `${o.type}/${o.id}`;
    const r = local.get(key);
    local.delete(key);
    if (!r) {
      diff.missing += 1;
      note(`${key}: missing (partner v${o.version})`);
    } else if (o.deleted && !r.deleted) {
      diff.resurrected += 1;
      note(`${key}: live locally at v${r.version}, deleted at partner v${o.version}`);
    } else if (
      r.version !== BigInt(o.version) ||
      r.deleted !== o.deleted ||
      (!o.deleted && !isDeepStrictEqual(r.data, o.data))
    ) {
      diff.stale += 1;
      note(`${key}: local v${r.version} deleted=${r.deleted}, partner v${o.version} deleted=${o.deleted}`);
    }
    if (r && r.writeCount > (versions.get(key) ?? 0)) {
      overApplied += 1;
      note(`${key}: written ${r.writeCount} times, partner made ${versions.get(key) ?? 0} versions`);
    }
  }
  diff.extra = local.size;
  for (const key of [...local.keys()].slice(0, 3)) note(`${key}: exists locally only`);

  const twice = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM (
      SELECT 1 FROM webhook_events WHERE connection_id = ${connectionId} AND outcome IN ('applied', 'tombstoned')
      GROUP BY object_type, object_id, applied_version HAVING count(*) > 1) t`;
  const events = await db.webhookEvent.findMany({
    where: { connectionId },
    select: { eventId: true, status: true, firstFailedAt: true },
  });
  const ids = new Set(events.map((e) => e.eventId));
  const notFinal = events.filter((e) => !FINAL_STATUSES.includes(e.status));
  for (const e of notFinal.slice(0, 3)) note(`event ${e.eventId}: status ${e.status}`);
  const ackedWithoutRow = [...partner.ackedIds].filter((id) => !ids.has(id));
  const unknownRows = events.filter((e) => !partner.sentIds.has(e.eventId));
  const s = partner.stats;
  return {
    diff,
    overApplied,
    appliedTwice: Number(twice[0]?.n ?? 0),
    notFinal: notFinal.length,
    hostileStored: events.filter((e) => partner.hostileIds.has(e.eventId)).length,
    ackedWithoutRow: ackedWithoutRow.length,
    unknownRows: unknownRows.length,
    genuineRejected: s.genuineRejected,
    hostileAccepted: s.forgedAccepted + s.staleAccepted,
    statuses: await statusCounts(db, connectionId),
    parkedEver: events.filter((e) => e.firstFailedAt !== null).length,
    samples,
  };
}
