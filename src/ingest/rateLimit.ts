// A per-connection token bucket on the webhook route, taken by deliveries that
// passed every check (signature included) and would start a run: a captured delivery
// replayed in a loop (GitHub and Shopify sign only the body, docs/security.md)
// or any flood on one connection costs at most `ratePerSec` starts a second per
// API process, answered 429 + Retry-After beyond that. In memory, per process:
// the bound scales with the number of APIs, and the bucket map is bounded.
export interface RateLimitOptions {
  ratePerSec: number;
  burst: number;
  maxConnections?: number;
}

const DEFAULT_MAX_TRACKED = 10_000;

export class ConnectionRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly opts: RateLimitOptions,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** 0 when the delivery may go on; otherwise the seconds to wait before retrying. */
  take(connectionId: string): number {
    if (this.opts.ratePerSec <= 0) return 0;
    const now = this.nowMs();
    const b = this.buckets.get(connectionId) ?? { tokens: this.opts.burst, at: now };
    this.buckets.delete(connectionId);
    b.tokens = Math.min(this.opts.burst, b.tokens + ((now - b.at) / 1000) * this.opts.ratePerSec);
    b.at = now;
    this.buckets.set(connectionId, b);
    if (this.buckets.size > (this.opts.maxConnections ?? DEFAULT_MAX_TRACKED))
      this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.opts.ratePerSec));
  }
}
