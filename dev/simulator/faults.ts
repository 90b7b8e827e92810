// Fault injection for the partner API. The API asks its FetchFaults hook before answering
// each authorised fetch; a returned ForcedResponse is sent instead of the object. FaultPlan
// is the scripted implementation: rules are per object and consumed in the order added, and
// an "always" rule outranks queued one-shot failures (which stay queued until it is cleared).

import type { JsonObject, ObjectRef, ObjectSnapshot } from './types';

export interface ForcedResponse {
  status: number;
  headers?: Readonly<Record<string, string>>;
  body?: JsonObject;
}

/** Per-request hook of the partner API; returning undefined lets the request through. */
export interface FetchFaults {
  beforeFetch(ref: ObjectRef): ForcedResponse | undefined;
}

export interface FetchFault {
  status: number;
  /** Sent as Retry-After, in whole seconds. */
  retryAfterSec?: number;
}

const refKey = (ref: ObjectRef): string => JSON.stringify([ref.type, ref.id]);

function toResponse(fault: FetchFault): ForcedResponse {
  const headers = fault.retryAfterSec === undefined ? undefined : { 'retry-after': String(fault.retryAfterSec) };
  return { status: fault.status, headers, body: { error: 'simulated_fault', status: fault.status } };
}

export class FaultPlan implements FetchFaults {
  private readonly queued = new Map<string, FetchFault[]>();
  private readonly always = new Map<string, FetchFault>();
  private readonly stale = new Map<string, ObjectSnapshot[]>();
  private readonly listQueue: FetchFault[] = [];
  private listAlways: FetchFault | null = null;

  /** The next list requests (change list, objects-since, id list) fail with these faults, in order. */
  failNextLists(...faults: FetchFault[]): this {
    this.listQueue.push(...faults);
    return this;
  }

  /** Every list request fails with `fault` (a partner outage) until cleared with clearLists(). */
  failListsAlways(fault: FetchFault): this {
    this.listAlways = fault;
    return this;
  }

  clearLists(): void {
    this.listQueue.length = 0;
    this.listAlways = null;
  }

  beforeList(_path: string): ForcedResponse | undefined {
    if (this.listAlways) return toResponse(this.listAlways);
    const next = this.listQueue.shift();
    return next && toResponse(next);
  }

  /** The next `count` fetches of `ref` fail with `fault`, after any failures already queued. */
  failNext(ref: ObjectRef, count: number, fault: FetchFault): this {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be an integer >= 1, got ${count}`);
    const queue = this.queued.get(refKey(ref)) ?? [];
    queue.push(...Array.from({ length: count }, () => fault));
    this.queued.set(refKey(ref), queue);
    return this;
  }

  /**
   * The next fetch of the snapshot's object answers with that (older) state, as
   * a lagging read replica would: after any failures already queued for it.
   */
  answerNextWith(snapshot: ObjectSnapshot): this {
    const key = refKey(snapshot);
    this.stale.set(key, [...(this.stale.get(key) ?? []), structuredClone(snapshot)]);
    return this;
  }

  /** Every fetch of `ref` fails with `fault` until cleared. */
  failAlways(ref: ObjectRef, fault: FetchFault): this {
    this.always.set(refKey(ref), fault);
    return this;
  }

  /** Drops the rules for one object, or every rule when called without one. */
  clear(ref?: ObjectRef): void {
    if (!ref) {
      this.queued.clear();
      this.always.clear();
      this.stale.clear();
      return;
    }
    this.queued.delete(refKey(ref));
    this.always.delete(refKey(ref));
    this.stale.delete(refKey(ref));
  }

  beforeFetch(ref: ObjectRef): ForcedResponse | undefined {
    const key = refKey(ref);
    const standing = this.always.get(key);
    if (standing) return toResponse(standing);
    const next = this.queued.get(key)?.shift();
    if (next) return toResponse(next);
    const old = this.stale.get(key)?.shift();
    if (!old) return undefined;
    return {
      status: 200,
      body: {
        type: old.type,
        id: old.id,
        version: old.version,
        deleted: false,
        updatedAt: old.updatedAt,
        data: structuredClone(old.data) as JsonObject,
      },
    };
  }
}
