// One prom-client Registry per process (held by the Runtime) and every
// instrument syncline records. Contract: labels are bounded. `connector` is a
// registered connector name (a handful), `outcome` / `status_class` come from
// fixed sets (the receiver's error map, the event life cycle). Never label by
// connection id, event id or anything a sender controls: thousands of
// connections must not become thousands of series.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds; the receiver's deadline is ACK_TIMEOUT_MS (4 s by default) and partners give 1-10 s. */
const ACK_BUCKETS_SEC = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8];

export type EventOutcome = 'processed' | 'failed' | 'parked' | 'replayed' | 'skipped' | 'superseded';
export type AckClass = 'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'unavailable';

/** Per-connector ages of reconciliation checkpoints, read at scrape time. */
export type CheckpointAgeSource = () => Promise<Array<{ connector: string; ageSec: number }>>;
/** Per-connector counts of events parked now, read at scrape time. */
export type ParkedCountSource = () => Promise<Array<{ connector: string; parked: number }>>;
/** The admission limiter's state, read at scrape time (src/ingest/admission.ts). */
export type AdmissionSource = () => { limit: number; inFlight: number };
/** The overflow inbox's depth and oldest age, read from the database at scrape time. */
export type InboxStatsSource = () => Promise<{ depth: number; oldestAgeSec: number }>;
export type ReconcileRunOutcome = 'succeeded' | 'failed' | 'blocked' | 'cancelled' | 'other';

export function createMetrics() {
  const registry = new Registry();
  let checkpointAges: CheckpointAgeSource | undefined;
  let parkedCounts: ParkedCountSource | undefined;
  let admission: AdmissionSource | undefined;
  let inboxStats: InboxStatsSource | undefined;
  let processMetrics = false;
  const on = { registers: [registry] };

  const metrics = {
    registry,
    webhooksReceived: new Counter({
      ...on,
      name: 'syncline_webhooks_received_total',
      help: 'Webhook deliveries by connector and outcome (accepted, duplicate, or the rejection code the sender was given).',
      labelNames: ['connector', 'outcome'] as const,
    }),
    ackLatency: new Histogram({
      ...on,
      name: 'syncline_webhook_ack_seconds',
      help: 'Time from request to answer for webhook deliveries, by connector and outcome class.',
      labelNames: ['connector', 'outcome'] as const,
      buckets: ACK_BUCKETS_SEC,
    }),
    events: new Counter({
      ...on,
      name: 'syncline_events_total',
      help: 'Event life-cycle steps: processed, failed, parked, replayed, skipped, superseded.',
      labelNames: ['connector', 'outcome'] as const,
    }),
    eventRetries: new Counter({
      ...on,
      name: 'syncline_event_retries_total',
      help: 'Activity attempts after the first (attempt > 1), by connector.',
      labelNames: ['connector'] as const,
    }),
    partnerErrors: new Counter({
      ...on,
      name: 'syncline_partner_errors_total',
      help: 'Partner API answers other than 2xx/404, and network failures, by connector and status class (4xx, 5xx, network).',
      labelNames: ['connector', 'status_class'] as const,
    }),
    partnerRateLimited: new Counter({
      ...on,
      name: 'syncline_partner_rate_limited_total',
      help: 'Partner API 429 answers, by connector.',
      labelNames: ['connector'] as const,
    }),
    /** For reconciliation: `metrics.reconcileRecordsChanged.inc({ connector }, n)` once a page commits. */
    reconcileRecordsChanged: new Counter({
      ...on,
      name: 'syncline_reconcile_records_changed_total',
      help: 'Records reconciliation changed (written or deleted), by connector.',
      labelNames: ['connector'] as const,
    }),
    reconcileCheckpointAge: new Gauge({
      ...on,
      name: 'syncline_reconcile_checkpoint_age_seconds',
      help: 'Age of the oldest reconciliation checkpoint, by connector (read from the database at scrape time).',
      labelNames: ['connector'] as const,
      async collect() {
        if (!checkpointAges) return;
        // A scrape during a database outage keeps the last values rather than failing the scrape.
        const rows = await checkpointAges().catch(() => undefined);
        if (!rows) return;
        this.reset();
        for (const r of rows) this.set({ connector: r.connector }, r.ageSec);
      },
    }),
    setCheckpointAgeSource(source: CheckpointAgeSource): void {
      checkpointAges = source;
    },
    /** For reconciliation: once per finished run, with its pages (counted at the end of the run). */
    reconcileRuns: new Counter({
      ...on,
      name: 'syncline_reconcile_runs_total',
      help: 'Finished reconciliation runs, by connector and outcome (succeeded, failed, blocked, cancelled).',
      labelNames: ['connector', 'outcome'] as const,
    }),
    reconcilePages: new Counter({
      ...on,
      name: 'syncline_reconcile_pages_total',
      help: 'Partner pages read by finished reconciliation runs, by connector.',
      labelNames: ['connector'] as const,
    }),
    eventsParked: new Gauge({
      ...on,
      name: 'syncline_events_parked',
      help: 'Events parked now (waiting for an operator), by connector (read from the database at scrape time).',
      labelNames: ['connector'] as const,
      async collect() {
        if (!parkedCounts) return;
        // A scrape during a database outage keeps the last values rather than failing the scrape.
        const rows = await parkedCounts().catch(() => undefined);
        if (!rows) return;
        this.reset();
        for (const r of rows) this.set({ connector: r.connector }, r.parked);
      },
    }),
    setParkedCountSource(source: ParkedCountSource): void {
      parkedCounts = source;
    },
    admissionLimit: new Gauge({
      ...on,
      name: 'syncline_admission_limit',
      help: 'Workflow starts this API process lets be in flight at once now (the adaptive admission limit).',
      collect() {
        if (admission) this.set(admission().limit);
      },
    }),
    admissionInFlight: new Gauge({
      ...on,
      name: 'syncline_admission_in_flight',
      help: 'Workflow starts in flight in this API process (direct deliveries and the inbox relay).',
      collect() {
        if (admission) this.set(admission().inFlight);
      },
    }),
    setAdmissionSource(source: AdmissionSource): void {
      admission = source;
    },
    admissionShed: new Counter({
      ...on,
      name: 'syncline_admission_shed_total',
      help: 'Deliveries answered 503 overloaded by admission control (OVERLOAD_MODE=shed), without a Temporal call.',
    }),
    inboxOverflowed: new Counter({
      ...on,
      name: 'syncline_inbox_overflowed_total',
      help: 'Deliveries written to the overflow inbox and answered 202, by reason (limit, deadline, unavailable).',
      labelNames: ['reason'] as const,
    }),
    inboxRelayed: new Counter({
      ...on,
      name: 'syncline_inbox_relayed_total',
      help: 'Inbox rows the relay started in Temporal and removed.',
    }),
    inboxDepth: new Gauge({
      ...on,
      name: 'syncline_inbox_depth',
      help: 'Deliveries waiting in the overflow inbox (read from the database at scrape time; the same value on every API).',
      async collect() {
        const s = inboxStats ? await inboxStats().catch(() => undefined) : undefined;
        if (s) this.set(s.depth);
      },
    }),
    inboxOldestAge: new Gauge({
      ...on,
      name: 'syncline_inbox_oldest_age_seconds',
      help: 'Age of the oldest delivery waiting in the overflow inbox, 0 when empty (read at scrape time).',
      async collect() {
        const s = inboxStats ? await inboxStats().catch(() => undefined) : undefined;
        if (s) this.set(s.oldestAgeSec);
      },
    }),
    setInboxStatsSource(source: InboxStatsSource): void {
      inboxStats = source;
    },
    /** Node process metrics (CPU, memory, event loop, GC); only for processes that serve /metrics. */
    collectProcessMetrics(): void {
      if (processMetrics) return;
      processMetrics = true;
      collectDefaultMetrics({ register: registry });
    },
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function ackClass(status: number, outcome: string): AckClass {
  if (outcome === 'accepted' || outcome === 'duplicate' || outcome === 'ignored') return outcome;
  return status >= 500 ? 'unavailable' : 'rejected';
}
