// A partner under chaos: the simulator's store and API (with seeded API
// faults), plus a webhook pump that follows a DeliveryPlanner. Contract:
//  - every genuine copy is retried like a real partner retries: any non-2xx or
//    no answer is tried again with capped exponential backoff (Retry-After
//    honoured, capped), up to retry.maxAttempts, then abandoned and counted;
//    or, given a partner's retry model (dev/simulator/retryModels.ts), on that
//    partner's documented schedule compressed by retry.timeScale, honouring
//    Retry-After only where the partner does, with the partner's own timeout;
//  - each attempt is signed afresh with the partner's current secret, as Stripe
//    does, so a retry after a secret rotation carries the new secret;
//  - attempts rotate over the receiver URLs, so a dead API process is routed round;
//  - forged and stale-signed deliveries carry their own event ids and are sent
//    once; the receiver must reject them;
//  - the naive receiver (when given) gets every copy, forged and stale ones too, once.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SignatureConfig } from '../../src/signatures/types';
import { createPartnerApi } from '../simulator/partnerApi';
import { ListLog } from '../simulator/changes';
import { EventFactory, type PartnerEvent } from '../simulator/eventFactory';
import { type Delivery, WebhookSender } from '../simulator/sender';
import { SIMULATOR_HOST } from '../simulator/server';
import { PartnerStore } from '../simulator/partnerStore';
import type { ChaosFaults } from './chaosFaults';
import { ChaosFaultPlan } from './apiFaults';
import type { ChangePlan } from './planner';
import { nextAttemptDelayMs, type RetryModel } from '../simulator/retryModels';

export interface PartnerRetry {
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
  timeoutMs: number;
  /** A real partner's schedule instead of the backoff above (maxAttempts, initialMs, maxMs then unused). */
  model?: RetryModel;
  /** The model's delays are multiplied by this (1 = real time; 1/1000 plays 3 days in about 4 minutes). */
  timeScale?: number;
}

// About three minutes of retrying: longer than any outage a run injects, still bounded.
export const DEFAULT_PARTNER_RETRY: PartnerRetry = { maxAttempts: 40, initialMs: 250, maxMs: 5_000, timeoutMs: 5_000 };
/** Older than every scheme's timestamp tolerance (300 s). */
const STALE_BY_MS = 15 * 60_000;
const FORGED_SECRET = 'whsec_never_issued_by_the_partner';

export interface PartnerStats {
  changes: number;
  dropped: number;
  eventsSent: number;
  copies: number;
  attempts: number;
  acked: number;
  duplicates: number;
  retried: number;
  noAnswer: number;
  abandoned: number;
  genuineRejected: number;
  forgedSent: number;
  forgedRejected: number;
  forgedAccepted: number;
  staleSent: number;
  staleRejected: number;
  staleAccepted: number;
  naiveSent: number;
  statuses: Record<string, number>;
}

export interface ChaosPartnerOptions {
  seed: number;
  apiKey: string;
  faults: ChaosFaults;
  signature: SignatureConfig;
  secret: string;
  targets: string[];
  naiveUrl?: string;
  retry?: PartnerRetry;
  port?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ChaosPartner {
  readonly store = new PartnerStore();
  readonly lists = new ListLog();
  readonly apiFaults: ChaosFaultPlan;
  readonly events: EventFactory;
  readonly stats: PartnerStats = {
    changes: 0,
    dropped: 0,
    eventsSent: 0,
    copies: 0,
    attempts: 0,
    acked: 0,
    duplicates: 0,
    retried: 0,
    noAnswer: 0,
    abandoned: 0,
    genuineRejected: 0,
    forgedSent: 0,
    forgedRejected: 0,
    forgedAccepted: 0,
    staleSent: 0,
    staleRejected: 0,
    staleAccepted: 0,
    naiveSent: 0,
    statuses: {},
  };
  /** Genuine event ids sent, and those the receiver answered 2xx at least once. */
  readonly sentIds = new Set<string>();
  readonly ackedIds = new Set<string>();
  readonly abandonedIds = new Set<string>();
  readonly hostileIds = new Set<string>();
  url = '';
  secret: string;
  private server: Server | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retry: PartnerRetry;
  private nextTarget = 0;

  constructor(private readonly opts: ChaosPartnerOptions) {
    this.apiFaults = new ChaosFaultPlan(opts.seed, opts.faults.api);
    this.events = new EventFactory({ idPrefix: `s${opts.seed}` });
    this.secret = opts.secret;
    this.retry = opts.retry ?? DEFAULT_PARTNER_RETRY;
  }

  async start(): Promise<void> {
    const app = createPartnerApi(this.store, {
      apiKey: this.opts.apiKey,
      faults: this.apiFaults,
      lists: { log: this.lists, faults: this.apiFaults },
    });
    this.server = app.listen(this.opts.port ?? 0, SIMULATOR_HOST);
    await once(this.server, 'listening');
    this.url = `http://${SIMULATOR_HOST}:${(this.server.address() as AddressInfo).port}`;
  }

  /** Makes the planned change in the store and schedules its deliveries. */
  apply(plan: ChangePlan): void {
    const m = plan.mutation;
    const snap = m.kind === 'delete' ? this.store.delete(m.type, m.id) : this.store.upsert(m.type, m.id, m.data);
    this.stats.changes += 1;
    const event = this.events.fromChange(this.store.changeAt(snap.version)!);
    if (plan.copyDelaysMs.length === 0) this.stats.dropped += 1;
    else {
      this.stats.eventsSent += 1;
      this.sentIds.add(event.id);
    }
    for (const delay of plan.copyDelaysMs) {
      this.stats.copies += 1;
      this.track(
        this.later(delay, () =>
          Promise.all([this.deliverGenuine(event), this.sendNaive(event, this.secret)]).then(() => undefined),
        ),
      );
    }
    if (plan.forged)
      this.track(
        this.sendHostile(
          {
            ...event,
            id: `forged_${event.id}`,
            data: { object: { ...event.data.object, version: 1e9, hijacked: true } },
          },
          'forged',
        ),
      );
    if (plan.stale) this.track(this.sendHostile({ ...event, id: `stale_${event.id}` }, 'stale'));
  }

  /** Resolves when every scheduled delivery has been answered or abandoned. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** Per object ("type/id"), how many versions the partner produced. */
  versionsPerObject(): Map<string, number> {
    const out = new Map<string, number>();
    for (let seq = 1; ; seq++) {
      const c = this.store.changeAt(seq);
      if (!c) return out;
      const key = `${c.object.type}/${c.object.id}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const closed = new Promise<void>((r) => this.server!.close(() => r()));
    this.server.closeIdleConnections();
    await closed;
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async later(ms: number, work: () => Promise<void>): Promise<void> {
    if (ms > 0) await sleep(ms);
    await work();
  }

  /** Signs with `secret`; the target URL is chosen per attempt by post(). */
  private sender(secret: string, clockOffsetMs = 0): WebhookSender {
    return new WebhookSender({
      targetUrl: 'unused:',
      signature: this.opts.signature,
      secret,
      clock: () => Date.now() + clockOffsetMs,
    });
  }

  /** One POST; rejects when no HTTP answer arrived (refused, reset, timed out). */
  private async post(url: string, delivery: Delivery): Promise<{ status: number; retryAfterSec: number | null }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: delivery.headers,
      body: new Uint8Array(delivery.rawBody),
      signal: AbortSignal.timeout(this.retry.model?.timeoutMs ?? this.retry.timeoutMs),
    });
    await res.arrayBuffer();
    const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
    return { status: res.status, retryAfterSec: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null };
  }

  private pickTarget(): string {
    const t = this.opts.targets[this.nextTarget % this.opts.targets.length]!;
    this.nextTarget += 1;
    return t;
  }

  private count(status: string): void {
    this.stats.statuses[status] = (this.stats.statuses[status] ?? 0) + 1;
  }

  /** The wait before the attempt after `attempt`, or null when the partner gives up. */
  private nextWaitMs(attempt: number, retryAfterSec: number | null): number | null {
    const { model } = this.retry;
    if (model) return nextAttemptDelayMs(model, attempt, retryAfterSec, this.retry.timeScale ?? 1);
    if (attempt >= this.retry.maxAttempts) return null;
    const backoff = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** (attempt - 1));
    return retryAfterSec === null ? backoff : Math.min(this.retry.maxMs, retryAfterSec * 1000);
  }

  private async deliverGenuine(event: PartnerEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.stats.attempts += 1;
      let retryAfterSec: number | null = null;
      try {
        const answer = await this.post(this.pickTarget(), this.sender(this.secret).build(event));
        this.count(String(answer.status));
        if (answer.status >= 200 && answer.status < 300) {
          this.ackedIds.add(event.id);
          if (answer.status === 202) this.stats.acked += 1;
          else this.stats.duplicates += 1;
          return;
        }
        if (answer.status === 401) this.stats.genuineRejected += 1;
        retryAfterSec = answer.retryAfterSec;
      } catch {
        this.stats.noAnswer += 1;
        this.count('no answer');
      }
      const waitMs = this.nextWaitMs(attempt, retryAfterSec);
      if (waitMs === null) {
        this.stats.abandoned += 1;
        this.abandonedIds.add(event.id);
        return;
      }
      this.stats.retried += 1;
      await sleep(waitMs);
    }
  }

  private async sendHostile(event: PartnerEvent, kind: 'forged' | 'stale'): Promise<void> {
    this.hostileIds.add(event.id);
    const signer = kind === 'forged' ? this.sender(FORGED_SECRET) : this.sender(this.secret, -STALE_BY_MS);
    this.stats[`${kind}Sent`] += 1;
    await this.sendNaive(event, this.secret);
    try {
      const answer = await this.post(this.pickTarget(), signer.build(event));
      this.count(`${kind} ${answer.status}`);
      if (answer.status === 401) this.stats[`${kind}Rejected`] += 1;
      else if (answer.status < 300) this.stats[`${kind}Accepted`] += 1;
    } catch {
      this.count(`${kind} no answer`);
      // No answer: the hostile delivery never reached a receiver; nothing to check.
    }
  }

  private async sendNaive(event: PartnerEvent, secret: string): Promise<void> {
    if (!this.opts.naiveUrl) return;
    this.stats.naiveSent += 1;
    await this.post(this.opts.naiveUrl, this.sender(secret).build(event)).catch(() => undefined);
  }
}
