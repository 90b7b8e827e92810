// Seeded faults for the partner API in a chaos run. Each fetch of an object and
// each list request is the n-th of its kind; whether it fails (500, 503, or 429
// with Retry-After) is fixed by (seed, key, n), so concurrency does not change
// which attempt fails. outage() makes every fetch answer 503 for a while (the
// partner is down: events park), then the partner recovers by itself.
// Extends FaultPlan so scripted one-shot rules still work alongside.
import { FaultPlan, type ForcedResponse } from '../simulator/faults';
import type { ObjectRef } from '../simulator/types';
import type { ApiFaults } from './chaosFaults';
import { hashUnit } from './prng';

export interface ApiFaultCounts {
  status500: number;
  status503: number;
  status429: number;
  outage503: number;
  list: number;
}

const forced = (status: number, retryAfterSec?: number): ForcedResponse => ({
  status,
  headers: retryAfterSec === undefined ? undefined : { 'retry-after': String(retryAfterSec) },
  body: { error: 'simulated_fault', status },
});

export class ChaosFaultPlan extends FaultPlan {
  readonly counts: ApiFaultCounts = { status500: 0, status503: 0, status429: 0, outage503: 0, list: 0 };
  private readonly attempts = new Map<string, number>();
  private listAttempts = 0;
  private outageUntilMs = 0;
  enabled = true;

  constructor(
    private readonly seed: number,
    private readonly faults: ApiFaults,
  ) {
    super();
  }

  /** Every fetch answers 503 until `ms` from now. */
  outage(ms: number): void {
    this.outageUntilMs = Date.now() + ms;
  }

  override beforeFetch(ref: ObjectRef): ForcedResponse | undefined {
    const scripted = super.beforeFetch(ref);
    if (scripted || !this.enabled) return scripted;
    if (Date.now() < this.outageUntilMs) {
      this.counts.outage503 += 1;
      return forced(503);
    }
    const key = `${ref.type}/${ref.id}`;
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    const u = hashUnit(this.seed, `fetch:${key}`, n);
    const f = this.faults;
    if (u < f.rate500) {
      this.counts.status500 += 1;
      return forced(500);
    }
    if (u < f.rate500 + f.rate503) {
      this.counts.status503 += 1;
      return forced(503);
    }
    if (u >= f.rate500 + f.rate503 + f.rate429) return undefined;
    this.counts.status429 += 1;
    return forced(429, f.retryAfterSec);
  }

  override beforeList(path: string): ForcedResponse | undefined {
    const scripted = super.beforeList(path);
    if (scripted || !this.enabled) return scripted;
    this.listAttempts += 1;
    if (hashUnit(this.seed, 'list', this.listAttempts) >= this.faults.listFailureRate) return undefined;
    this.counts.list += 1;
    return forced(503, this.faults.retryAfterSec);
  }
}
