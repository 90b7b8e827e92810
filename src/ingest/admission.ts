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
//   are out, or when the expected start latency (smoothed latency plus four mean
//   deviations, as TCP computes its retransmission timeout) exceeds the ack
//   deadline: a start that would likely be abandoned is not made at all.
// - release(permit, outcome) with 'ok' feeds the latency sample; 'dropped' (the
//   deadline passed, Temporal unreachable) is congestion; 'neutral' (a refusal that
//   says nothing of capacity) only frees the permit.
// - The limit follows AIMD: +1/limit per fast success once at least half the
//   permits were out together since the limit last moved (about +1 per round trip), x BACKOFF_RATIO on a drop or on a
//   success slower than max(baseline x LATENCY_TOLERANCE, baseline + SLACK), at
//   most once per round trip (only permits taken after the last decrease count).
// - The baseline is the fastest recent start; it drifts up slowly so that a
//   lasting change of the environment is not read as congestion forever.
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
export type ReleaseOutcome = 'ok' | 'dropped' | 'neutral';

export const BACKOFF_RATIO = 0.9;
export const LATENCY_TOLERANCE = 2;
/** Below this much over the baseline, a start is never read as congested (jitter of a loaded 2-core machine). */
export const LATENCY_SLACK_MS = 100;
/** The baseline rises toward each sample by this share: a lasting shift is adopted after a few hundred starts. */
const BASELINE_DRIFT = 0.002;
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
  private baselineMs: number | undefined;
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

  tryAcquire(): Permit | Refusal {
    const refusal = this.refusal();
    if (refusal) {
      this.refusedRecently.add(this.nowMs());
      return { refused: refusal };
    }
    this.inFlightCount++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlightCount);
    return { takenAtMs: this.nowMs() };
  }

  private refusal(): Refusal['refused'] | undefined {
    if (this.inFlightCount >= this.limit) return 'limit';
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
      this.sample(Math.max(latency, this.opts.ackDeadlineMs));
      this.decrease(permit, now);
      return;
    }
    this.sample(latency);
    const baseline = this.baselineMs!;
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

  private sample(latencyMs: number): void {
    if (this.smoothedMs === undefined) {
      this.smoothedMs = latencyMs;
      this.deviationMs = latencyMs / 2;
    } else {
      this.deviationMs += DEVIATION_GAIN * (Math.abs(latencyMs - this.smoothedMs) - this.deviationMs);
      this.smoothedMs += EWMA_GAIN * (latencyMs - this.smoothedMs);
    }
    this.baselineMs =
      this.baselineMs === undefined || latencyMs < this.baselineMs
        ? latencyMs
        : this.baselineMs + BASELINE_DRIFT * (latencyMs - this.baselineMs);
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

export function isRefusal(p: Permit | Refusal): p is Refusal {
  return 'refused' in p;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
