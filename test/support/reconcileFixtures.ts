// Helpers for reconciliation tests: connection settings for the simulator's
// list APIs, a service bound to a test system, and an exact comparison of our
// copy with the partner's store.
import { isDeepStrictEqual } from 'node:util';
import type { Db } from '../../src/db/prisma';
import { type ReconcileService, reconcileServiceFor } from '../../src/reconcile';
import type { PartnerStore } from '../../dev/simulator';
import type { TestSystem } from './system';

export type ListStyle = 'cursor' | 'updatedSince';

export function changesSettings(style: ListStyle, ids: 'cursor' | 'page' = 'cursor'): Record<string, unknown> {
  return {
    style,
    urlTemplate: style === 'cursor' ? '{baseUrl}/api/changes' : '{baseUrl}/api/objects',
    ids: { style: ids, urlTemplate: '{baseUrl}/api/ids' },
  };
}

export function reconcileService(sys: TestSystem): ReconcileService {
  return reconcileServiceFor(sys.client, sys.rt);
}

/** Every difference between our rows and the partner's objects (version, deleted, data), as readable lines. */
export async function differences(db: Db, connectionId: string, store: PartnerStore): Promise<string[]> {
  const rows = await db.syncRecord.findMany({ where: { connectionId } });
  const local = new Map(rows.map((r) => [JSON.stringify([r.objectType, r.objectId]), r]));
  const out: string[] = [];
  for (const o of store.all()) {
    const key = JSON.stringify([o.type, o.id]);
    const r = local.get(key);
    local.delete(key);
    if (!r) out.push(`${key}: missing locally (partner v${o.version})`);
    else if (r.version !== BigInt(o.version) || r.deleted !== o.deleted)
      out.push(`${key}: local v${r.version} deleted=${r.deleted}, partner v${o.version} deleted=${o.deleted}`);
    else if (!o.deleted && !isDeepStrictEqual(r.data, o.data)) out.push(`${key}: data differs`);
  }
  for (const key of local.keys()) out.push(`${key}: exists locally only`);
  return out;
}
