// Admission control for workflow starts (issue 20 §1): an adaptive bound on the
// starts one API process has in flight, driven by start latency. Pure: no I/O,
// the clock is handed in, so tests drive it deterministically.
//
// Why: a start the receiver abandons at its ack deadline is still executed by the
// Temporal server, and the partner's retry of it is another start. Past the
// server's capacity the offered load becomes retries alone and the system stays
// saturated (the metastable failure of issue 20). Bounding what is in flight keeps
// the server near its capacity, so starts stay fast and none is abandoned.
//
// Contract:
// - tryAcquire() gives a permit or a refusal. It refuses when `limit` permits
//   are out, or, for a start on the ack path, when the expected start latency
//   (smoothed latency plus four mean deviations, as TCP computes its
//   retransmission timeout) exceeds the ack deadline: a start that would likely
//   be abandoned is not made at all. The inbox relay's starts ('relay') have no
//   partner waiting on them and are bounded by the limit alone: were they held
//   to the ack deadline too, a slow Temporal would let one start through at a
//   time and the inbox would drain at 1/latency (the overflow chaos run that
//   timed out: limit 2, 0 in flight, 300 rows waiting).
// - release(permit, outcome) with 'ok' feeds the latency sample; 'dropped' (the
//   deadline passed, Temporal unreachable) is congestion; 'neutral' (a refusal that
//   says nothing of capacity) only frees the permit.
// - The limit follows AIMD: +1/limit per fast success once at least half the
//   permits were out together since the limit last moved (about +1 per round trip), x BACKOFF_RATIO on a drop or on a
//   success slower than max(baseline x LATENCY_TOLERANCE, baseline + SLACK), at
//   most once per round trip (only permits taken after the last decrease count).
// - The baseline is the fastest start of the last BASELINE_WINDOW_MS (min RTT
//   over a window, as TCP Vegas and BBR keep it): a lasting change of the
//   environment (a loaded machine, a farther server) is adopted within the
//   window instead of being read as congestion forever, which pinned the limit
//   at its minimum for as long as the machine stayed loaded.
// - drainRatePerSec(): starts finished in the last DRAIN_WINDOW_MS, per second;
//   retryAfterSec() is how long that rate takes to work through the deliveries
//   refused in the same window: the Retry-After of a shed delivery.

export interface AdmissionOptions {
  initialLimit: number;
  minLimit: number;
  maxLimit: number;
  /** The receiver's ack deadline (ACK_TIMEOUT_MS): a start expected to take longer is not admitted. */
  ackDeadlineMs: number;
}

export interface Permit {
  readonly takenAtMs: number;
}

export type Refusal = { refused: 'limit' | 'deadline' };
/** `ack`: a partner waits on the start (the deadline applies); `relay`: the inbox relay's (the limit alone applies). */
export type StartPurpose = 'ack' | 'relay';
export type ReleaseOutcome = 'ok' | 'dropped' | 'neutral';

export const BACKOFF_RATIO = 0.9;
export const LATENCY_TOLERANCE = 2;
/** Below this much over the baseline, a start is never read as congested (jitter of a loaded 2-core machine). */
export const LATENCY_SLACK_MS = 100;
/** The baseline is the fastest start within this window. */
export const BASELINE_WINDOW_MS = 30_000;
const BASELINE_BUCKET_MS = 1_000;
const EWMA_GAIN = 0.125;
const DEVIATION_GAIN = 0.25;
const DEVIATIONS_IN_EXPECTED = 4;
export const DRAIN_WINDOW_MS = 5_000;
const DRAIN_BUCKET_MS = 250;

export class AdmissionLimiter {
  private limitValue: number;
  private inFlightCount = 0;
  /** The most starts in flight since the limit last moved: growth only when the limit is used. */
  private peakInFlight = 0;
  private readonly fastest = new WindowMin(BASELINE_WINDOW_MS, BASELINE_BUCKET_MS);
  /** The last baseline seen: kept while no start finished within the window. */
  private lastBaselineMs: number | undefined;
  private smoothedMs: number | undefined;
  private deviationMs = 0;
  private lastDecreaseAtMs = -Infinity;
  private readonly finished = new WindowCount(DRAIN_WINDOW_MS, DRAIN_BUCKET_MS);
  private readonly refusedRecently = new WindowCount(DRAIN_WINDOW_MS, DRAIN_BUCKET_MS);

  constructor(
    private readonly opts: AdmissionOptions,
    private readonly nowMs: () => number,
  ) {
    if (opts.minLimit < 1 || opts.maxLimit < opts.minLimit) throw new Error('admission: need 1 <= min <= max limit');
    this.limitValue = clamp(opts.initialLimit, opts.minLimit, opts.maxLimit);
  }

  get limit(): number {
    return Math.floor(this.limitValue);
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Permits a caller may take now without being refused for the limit. */
  get available(): number {
    return Math.max(0, this.limit - this.inFlightCount);
  }

  /** What a start is expected to take now (undefined before the first sample). */
  get expectedLatencyMs(): number | undefined {
    return this.smoothedMs === undefined ? undefined : this.smoothedMs + DEVIATIONS_IN_EXPECTED * this.deviationMs;
  }

  tryAcquire(purpose: StartPurpose = 'ack'): Permit | Refusal {
    const refusal = this.refusal(purpose);
    if (refusal) {
      // Retry-After speaks of deliveries: the relay's refusals are not counted.
      if (purpose === 'ack') this.refusedRecently.add(this.nowMs());
      return { refused: refusal };
    }
    this.inFlightCount++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlightCount);
    return { takenAtMs: this.nowMs() };
  }

  private refusal(purpose: StartPurpose): Refusal['refused'] | undefined {
    if (this.inFlightCount >= this.limit) return 'limit';
    if (purpose === 'relay') return undefined;
    const expected = this.expectedLatencyMs;
    // With nothing in flight a start is always let through: it is the probe that finds out the server is fast again.
    if (expected !== undefined && expected > this.opts.ackDeadlineMs && this.inFlightCount > 0) return 'deadline';
    return undefined;
  }

  release(permit: Permit, outcome: ReleaseOutcome): void {
    this.inFlightCount = Math.max(0, this.inFlightCount - 1);
    if (outcome === 'neutral') return;
    const now = this.nowMs();
    this.finished.add(now);
    const latency = Math.max(0, now - permit.takenAtMs);
    if (outcome === 'dropped') {
      // A dropped start took the whole deadline: that is what the next one should expect.
      this.sample(Math.max(latency, this.opts.ackDeadlineMs), now);
      this.decrease(permit, now);
      return;
    }
    this.sample(latency, now);
    const baseline = this.baseline(now);
    if (latency > Math.max(baseline * LATENCY_TOLERANCE, baseline + LATENCY_SLACK_MS)) this.decrease(permit, now);
    else if (this.peakInFlight >= this.limitValue / 2) {
      const before = this.limit;
      this.limitValue = Math.min(this.opts.maxLimit, this.limitValue + 1 / this.limitValue);
      if (this.limit !== before) this.peakInFlight = this.inFlightCount;
    }
  }

  drainRatePerSec(): number {
    return this.finished.total(this.nowMs()) / (DRAIN_WINDOW_MS / 1000);
  }

  /** 1..maxSec: when the refused deliveries of the last window are likely to find room (at least one start a second assumed). */
  retryAfterSec(maxSec: number): number {
    const refused = this.refusedRecently.total(this.nowMs());
    return clamp(Math.ceil(refused / Math.max(1, this.drainRatePerSec())), 1, Math.max(1, maxSec));
  }

  private baseline(now: number): number {
    this.lastBaselineMs = this.fastest.min(now) ?? this.lastBaselineMs;
    return this.lastBaselineMs!;
  }

  private sample(latencyMs: number, now: number): void {
    if (this.smoothedMs === undefined) {
      this.smoothedMs = latencyMs;
      this.deviationMs = latencyMs / 2;
    } else {
      this.deviationMs += DEVIATION_GAIN * (Math.abs(latencyMs - this.smoothedMs) - this.deviationMs);
      this.smoothedMs += EWMA_GAIN * (latencyMs - this.smoothedMs);
    }
    this.fastest.add(now, latencyMs);
  }

  private decrease(permit: Permit, now: number): void {
    // Permits taken before the last decrease saw the old limit: one decrease per round trip.
    if (permit.takenAtMs < this.lastDecreaseAtMs) return;
    this.limitValue = Math.max(this.opts.minLimit, this.limitValue * BACKOFF_RATIO);
    this.lastDecreaseAtMs = now;
    this.peakInFlight = this.inFlightCount;
  }
}

/** Events counted in buckets over a sliding window: memory bounded by window / bucket. */
class WindowCount {
  private readonly buckets = new Map<number, number>();

  constructor(
    private readonly windowMs: number,
    private readonly bucketMs: number,
  ) {}

  add(now: number): void {
    const bucket = now - (now % this.bucketMs);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    this.prune(now);
  }

  total(now: number): number {
    this.prune(now);
    let n = 0;
    for (const c of this.buckets.values()) n += c;
    return n;
  }

  private prune(now: number): void {
    for (const bucket of this.buckets.keys()) if (bucket <= now - this.windowMs) this.buckets.delete(bucket);
  }
}

/** The smallest value seen over a sliding window, kept per bucket: memory bounded by window / bucket. */
class WindowMin {
  private readonly buckets = new Map<number, number>();

  constructor(
    private readonly windowMs: number,
    private readonly bucketMs: number,
  ) {}

  add(now: number, value: number): void {
    const bucket = now - (now % this.bucketMs);
    this.buckets.set(bucket, Math.min(value, this.buckets.get(bucket) ?? Infinity));
    this.prune(now);
  }

  /** undefined when nothing was added within the window. */
  min(now: number): number | undefined {
    this.prune(now);
    let m: number | undefined;
    for (const v of this.buckets.values()) m = m === undefined ? v : Math.min(m, v);
    return m;
  }

  private prune(now: number): void {
    for (const bucket of this.buckets.keys()) if (bucket <= now - this.windowMs) this.buckets.delete(bucket);
  }
}

export function isRefusal(p: Permit | Refusal): p is Refusal {
  return 'refused' in p;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
