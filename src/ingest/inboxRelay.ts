// The overflow inbox's relay: drains webhook_inbox into Temporal at the rate
// Temporal sustains. It runs in every API process (whatever its OVERLOAD_MODE,
// so rows left by an earlier mode still drain) and shares that process's
// admission limiter: a row is claimed only when a permit is free, so the relay
// and the direct path together never put more starts in flight than the limit.
// The ack deadline does not bound the relay (no partner waits on its starts):
// its starts have their own, longer deadline, and past the deadline refusal the
// relay is what keeps Temporal busy at the limit while deliveries overflow.
//
// Each row is started through the same EventStarter as the direct path (same
// workflow id, reuse and conflict policies, search attributes, sealed input),
// and deleted only after Temporal holds the event. Several relays are safe: a
// claim leases rows with FOR UPDATE SKIP LOCKED. A relay that dies mid-drain
// leaves its rows leased; they are claimed again when the lease ends and
// started again, which the workflow id deduplicates ('attached' or
// 'already-completed'): nothing is lost, nothing runs twice.
import type { ProcessEventInput } from '../contracts/processEventContract';
import type { Db } from '../db/prisma';
import { EventRefusedError } from '../errors/ingestErrors';
import type { Logger } from '../infra/log';
import { claimInboxRows, type ClaimedInboxRow, releaseInboxRow, removeInboxRow } from '../store/webhookInbox';
import { type AdmissionLimiter, isRefusal } from './admission';
import { admittedStart, type Starter } from './overloadGate';

export interface InboxRelayOptions {
  /** How long a claimed row stays with this relay before another may take it (INBOX_RELAY_LEASE_MS). */
  leaseMs: number;
  /** Pause between polls while the inbox is empty or no permit is free (INBOX_RELAY_IDLE_MS). */
  idleMs: number;
  /** Rows claimed at once, at most (and never more than the free permits). */
  batchMax: number;
}

export interface InboxRelayDeps {
  db: Db;
  starter: Starter;
  limiter: AdmissionLimiter;
  /** The starter's task queue: the relay claims only rows meant for it. */
  taskQueue: string;
  log: Logger;
  /** After a start that created the run of a registered (large-payload) row: mark it accepted. */
  markAccepted?: (eventRowId: string) => void;
  /** Counts each row started and removed. */
  relayed?: () => void;
  opts: InboxRelayOptions;
}

/** A start Temporal refused as invalid will never succeed: the row waits an hour (an operator sees it in the inbox age). */
const REFUSED_RETRY_MS = 3_600_000;
const UNAVAILABLE_RETRY_MAX_MS = 30_000;

export class InboxRelay {
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  /** Rows may wait: set by a claim that filled its room or a delivery queued here, cleared by a claim that found fewer. */
  private backlogged = false;

  constructor(private readonly deps: InboxRelayDeps) {}

  /**
   * True while deliveries may wait in the inbox for this relay's queue. The gate then queues new
   * deliveries behind them, so the direct path cannot take every permit the relay needs.
   */
  get backlog(): boolean {
    return this.backlogged;
  }

  /** A delivery was written to the inbox: it waits, and so does whatever comes after it. */
  noteQueued(): void {
    this.backlogged = true;
  }

  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = this.loop();
  }

  /** Stops claiming; resolves once the round under way has finished (its rows started or given back). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  /** One round: claims as many rows as permits are free, starts them, removes the started ones. Returns the rows removed. */
  async drainOnce(): Promise<number> {
    const room = Math.min(this.deps.opts.batchMax, this.deps.limiter.available);
    if (room <= 0) return 0;
    const rows = await claimInboxRows(this.deps.db, this.deps.taskQueue, room, this.deps.opts.leaseMs);
    // Fewer rows than room: nothing else is claimable now (rows backing off after a failed start are not
    // counted: their events are not blocked behind new ones, and a failing start queues deliveries anyway).
    this.backlogged = rows.length >= room;
    const done = await Promise.all(rows.map((r) => this.relay(r)));
    return done.filter(Boolean).length;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let removed = 0;
      try {
        removed = await this.drainOnce();
      } catch (err) {
        this.deps.log.warn({ event: 'inbox.relay_failed', reason: (err as Error).message }, 'inbox relay round failed');
      }
      // A full round means more may wait: go on at once; otherwise poll again later.
      if (removed === 0 && !this.stopped)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.deps.opts.idleMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
    }
  }

  private async relay(row: ClaimedInboxRow): Promise<boolean> {
    const { db, limiter, starter, log } = this.deps;
    const permit = limiter.tryAcquire('relay');
    if (isRefusal(permit)) {
      // The direct path took the permit since the claim: not an attempt at the start, so not counted as one.
      await releaseInboxRow(db, row.id, 0, `admission: ${permit.refused}`, { uncountAttempt: true });
      return false;
    }
    const input = JSON.parse(row.input) as ProcessEventInput;
    try {
      const outcome = await admittedStart(limiter, permit, starter, row.workflowId, input);
      await removeInboxRow(db, row.id);
      if (outcome === 'created' && input.eventRowId) this.deps.markAccepted?.(input.eventRowId);
      this.deps.relayed?.();
      return true;
    } catch (err) {
      const refused = err instanceof EventRefusedError;
      const delay = refused ? REFUSED_RETRY_MS : Math.min(UNAVAILABLE_RETRY_MAX_MS, 1000 * 2 ** (row.attempts - 1));
      log[refused ? 'error' : 'warn'](
        {
          event: 'inbox.start_failed',
          connectionId: row.connectionId,
          eventId: row.eventId,
          attempts: row.attempts,
          reason: (err as Error).message,
        },
        'inbox relay could not start the event; it stays in the inbox',
      );
      await releaseInboxRow(db, row.id, delay, (err as Error).message).catch(() => undefined);
      return false;
    }
  }
}
