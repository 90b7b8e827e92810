// In-memory partner object store. Contract: every mutation takes the next value of one
// store-wide counter as its version and appends exactly one change-log entry, so change
// seq n is always log[n - 1] and the log can be paged by "last seq seen" alone.
// Data is deep-copied on the way in, so callers cannot alter stored history afterwards.

import type { ChangeAction, ChangeEntry, ChangePage, Clock, JsonObject, ObjectSnapshot, ObjectRef } from './types';

export class PartnerObjectNotFoundError extends Error {
  override readonly name = 'PartnerObjectNotFoundError';
  constructor(readonly ref: ObjectRef) {
    super(`no live partner object ${ref.type}/${ref.id}`);
  }
}

const refKey = (type: string, id: string): string => JSON.stringify([type, id]);

export class PartnerStore {
  private readonly objects = new Map<string, ObjectSnapshot>();
  private readonly log: ChangeEntry[] = [];
  private readonly fetches = new Map<string, number>();
  private fetchTotal = 0;

  constructor(private readonly clock: Clock = Date.now) {}

  /** Creates the object, or updates it; upserting a deleted object brings it back as "created". */
  upsert(type: string, id: string, data: JsonObject): ObjectSnapshot {
    const previous = this.objects.get(refKey(type, id));
    const action: ChangeAction = previous && !previous.deleted ? 'updated' : 'created';
    return this.record(action, { type, id, deleted: false, data: structuredClone(data) });
  }

  /** Replaces a live object with a tombstone; deleting a missing or deleted object is a caller bug. */
  delete(type: string, id: string): ObjectSnapshot {
    const previous = this.objects.get(refKey(type, id));
    if (!previous || previous.deleted) throw new PartnerObjectNotFoundError({ type, id });
    return this.record('deleted', { type, id, deleted: true, data: previous.data });
  }

  /** Latest snapshot, tombstones included. */
  get(type: string, id: string): ObjectSnapshot | undefined {
    return this.objects.get(refKey(type, id));
  }

  /** Latest snapshot of every object ever written, tombstones included, in version order. */
  all(): ObjectSnapshot[] {
    return [...this.objects.values()].sort((a, b) => a.version - b.version);
  }

  changeAt(seq: number): ChangeEntry | undefined {
    return Number.isInteger(seq) && seq >= 1 ? this.log[seq - 1] : undefined;
  }

  /** Up to `limit` changes with seq greater than `seq`, oldest first. */
  changesSince(seq: number, limit: number): ChangePage {
    if (!Number.isInteger(seq) || seq < 0) throw new RangeError(`seq must be an integer >= 0, got ${seq}`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
    const changes = this.log.slice(seq, seq + limit);
    const nextSeq = changes.at(-1)?.seq ?? seq;
    return { changes, nextSeq, hasMore: nextSeq < this.log.length };
  }

  /** Counts one fetch attempt through the partner API, whether or not it was answered with the object. */
  recordFetch(type: string, id: string): void {
    const key = refKey(type, id);
    this.fetches.set(key, (this.fetches.get(key) ?? 0) + 1);
    this.fetchTotal += 1;
  }

  fetchCount(type: string, id: string): number {
    return this.fetches.get(refKey(type, id)) ?? 0;
  }

  get totalFetches(): number {
    return this.fetchTotal;
  }

  private record(action: ChangeAction, fields: Omit<ObjectSnapshot, 'version' | 'updatedAt'>): ObjectSnapshot {
    const version = this.log.length + 1;
    const object: ObjectSnapshot = { ...fields, version, updatedAt: new Date(this.clock()).toISOString() };
    this.objects.set(refKey(fields.type, fields.id), object);
    this.log.push({ seq: version, action, object });
    return object;
  }
}
