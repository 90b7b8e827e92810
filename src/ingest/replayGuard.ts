// Replays of body-only signatures. GitHub, Shopify and plain HMAC sign the body
// but not the delivery id (an unsigned header), so one captured delivery could
// be sent again and again under new ids, each starting a new workflow, a new
// row and a partner call. The guard remembers a digest of each verified body
// per connection for a window: the same body under another event id within the
// window is answered as a duplicate of the first and starts nothing.
//
// Deduplicating on the body alone is safe for the data: two deliveries with the
// same bytes describe the same object in the same state (a partner's genuine
// re-delivery keeps its id and takes the ordinary duplicate path). Schemes that
// sign a timestamp (Stripe, Standard Webhooks) are bounded by their tolerance
// instead and are not tracked. In memory, per API process, bounded by entries:
// with several API processes a replay can pass once per process per window,
// within the per-connection rate limit (docs/security.md).
import crypto from 'node:crypto';

export interface ReplayGuardOptions {
  windowMs: number;
  maxEntries?: number;
}

export type ReplayVerdict = { replay: false } | { replay: true; firstEventId: string };

const DEFAULT_MAX_ENTRIES = 100_000;

export class ReplayGuard {
  /** digest -> the first event id seen with that body, and when; in insertion (= time) order. */
  private readonly seen = new Map<string, { eventId: string; atMs: number }>();

  constructor(
    private readonly opts: ReplayGuardOptions,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Records a verified delivery, and says whether its body already came within the window under another event id. */
  check(connectionId: string, rawBody: Buffer, eventId: string): ReplayVerdict {
    if (this.opts.windowMs <= 0) return { replay: false };
    const now = this.nowMs();
    this.expire(now);
    const key = crypto.createHash('sha256').update(connectionId).update('\0').update(rawBody).digest('base64url');
    const first = this.seen.get(key);
    if (first) return first.eventId === eventId ? { replay: false } : { replay: true, firstEventId: first.eventId };
    this.seen.set(key, { eventId, atMs: now });
    if (this.seen.size > (this.opts.maxEntries ?? DEFAULT_MAX_ENTRIES))
      this.seen.delete(this.seen.keys().next().value!);
    return { replay: false };
  }

  private expire(now: number): void {
    for (const [key, entry] of this.seen) {
      if (now - entry.atMs < this.opts.windowMs) break;
      this.seen.delete(key);
    }
  }
}
