// What the receiver does with a start past the admission limit (issue 20 §2),
// by OVERLOAD_MODE:
// - none: every delivery goes straight to Temporal (no bound; the behaviour
//   before issue 20).
// - shed: a start refused by the limiter (src/ingest/admission.ts) is answered
//   503 `overloaded` at once with Retry-After from the drain rate; Temporal is
//   not called. The partner keeps the event and retries.
// - overflow: a refused start, or an admitted one that Temporal did not take
//   (unreachable, past the ack deadline), is written to the overflow inbox
//   (webhook_inbox) and answered 202 once the row commits: the 2xx still means
//   durable. A second delivery of a waiting event is a 200 duplicate. The inbox
//   relay (src/ingest/inboxRelay.ts) starts it later, through the same
//   EventStarter. Should PostgreSQL fail too, the delivery gets the 503 it
//   would have had without the inbox.
//   While the inbox holds a backlog, every delivery joins it (first in, first
//   started): were new deliveries still started directly, they would take every
//   permit as it came free and the relay, which claims only free permits, would
//   never drain (a 2,000-change cluster chaos run left 349 rows unclaimed for
//   five minutes behind the partner's retries).
import type { ProcessEventInput } from '../contracts/processEventContract';
import { OverloadedError, TemporalUnavailableError } from '../errors/ingestErrors';
import type { InboxEntry } from '../store/webhookInbox';
import { type AdmissionLimiter, isRefusal, type Permit } from './admission';
import type { StartOutcome } from './starter';

export const OVERLOAD_MODES = ['none', 'shed', 'overflow'] as const;
export type OverloadMode = (typeof OVERLOAD_MODES)[number];

/** `queued`: this delivery wrote the inbox row; `queued-duplicate`: the event was already waiting there. */
export type AdmitOutcome = StartOutcome | 'queued' | 'queued-duplicate';

/** What the receiver hands an event to: the EventStarter itself, or the gate in front of it. */
export interface EventAdmitter {
  start(workflowId: string, input: ProcessEventInput): Promise<AdmitOutcome>;
}

export interface Starter {
  start(workflowId: string, input: ProcessEventInput): Promise<StartOutcome>;
}

/** Why a delivery went to the inbox: refused by the limiter, Temporal did not take it, or others wait before it. */
export type OverflowReason = 'limit' | 'deadline' | 'unavailable' | 'backlog';

export interface OverloadCounters {
  shed(): void;
  overflowed(reason: OverflowReason): void;
}

export interface OverloadGateDeps {
  mode: OverloadMode;
  starter: Starter;
  limiter: AdmissionLimiter;
  /** Writes the inbox row; true when this call wrote it. Needed in overflow mode. */
  enqueue?: (entry: InboxEntry) => Promise<boolean>;
  /** Overflow mode: true while the inbox holds deliveries that wait for the relay (they go first). */
  backlog?: () => boolean;
  /** The starter's task queue, recorded on the row for the relay of the same queue. */
  taskQueue: string;
  counters?: OverloadCounters;
  /** The longest Retry-After a shed delivery is given (RETRY_AFTER_SEC). */
  maxRetryAfterSec: number;
  nowMs: () => number;
}

/** A start under a permit: the permit goes back with what the start says of Temporal's capacity. */
export async function admittedStart(
  limiter: AdmissionLimiter,
  permit: Permit,
  starter: Starter,
  workflowId: string,
  input: ProcessEventInput,
): Promise<StartOutcome> {
  try {
    const outcome = await starter.start(workflowId, input);
    limiter.release(permit, 'ok');
    return outcome;
  } catch (err) {
    limiter.release(permit, err instanceof TemporalUnavailableError ? 'dropped' : 'neutral');
    throw err;
  }
}

/** What a delivery that found the same event's start under way answers, once that start has succeeded. */
export function duplicateOf(first: AdmitOutcome): AdmitOutcome {
  if (first === 'created') return 'attached';
  if (first === 'queued') return 'queued-duplicate';
  return first;
}

export class OverloadGate implements EventAdmitter {
  /** Starts under way in this process, by workflow id: concurrent copies of one event wait for the first. */
  private readonly underWay = new Map<string, Promise<AdmitOutcome>>();

  constructor(private readonly deps: OverloadGateDeps) {
    if (deps.mode === 'overflow' && !deps.enqueue) throw new Error('overflow mode needs the inbox');
  }

  /**
   * One start per event at a time in this process. Copies of an event that arrive while its start is
   * under way wait for it and answer as duplicates once it succeeded (the event is then held by
   * Temporal or the inbox); should it fail, each copy tries on its own. Without this, copies that
   * arrive together split between a direct start and the inbox (the limit refuses some) and two of
   * them are answered 202 "accepted", where the partner should see one 202 and the rest 200 duplicate.
   */
  async start(workflowId: string, input: ProcessEventInput): Promise<AdmitOutcome> {
    const pending = this.underWay.get(workflowId);
    if (pending) {
      const first = await pending.catch(() => undefined);
      if (first !== undefined) return duplicateOf(first);
    }
    const mine = this.admit(workflowId, input);
    this.underWay.set(workflowId, mine);
    try {
      return await mine;
    } finally {
      if (this.underWay.get(workflowId) === mine) this.underWay.delete(workflowId);
    }
  }

  private async admit(workflowId: string, input: ProcessEventInput): Promise<AdmitOutcome> {
    const { mode, limiter, starter } = this.deps;
    if (mode === 'none') return starter.start(workflowId, input);
    if (mode === 'overflow' && this.deps.backlog?.()) return this.overflow(workflowId, input, 'backlog');
    const permit = limiter.tryAcquire();
    if (isRefusal(permit)) {
      if (mode === 'shed') {
        this.deps.counters?.shed();
        throw new OverloadedError(limiter.retryAfterSec(this.deps.maxRetryAfterSec));
      }
      return this.overflow(workflowId, input, permit.refused);
    }
    try {
      return await admittedStart(limiter, permit, starter, workflowId, input);
    } catch (err) {
      if (mode === 'overflow' && err instanceof TemporalUnavailableError)
        return this.overflow(workflowId, input, 'unavailable', err);
      throw err;
    }
  }

  private async overflow(
    workflowId: string,
    input: ProcessEventInput,
    reason: OverflowReason,
    cause?: TemporalUnavailableError,
  ): Promise<AdmitOutcome> {
    let wrote: boolean;
    try {
      wrote = await this.deps.enqueue!({
        connectionId: input.connectionId,
        eventId: input.eventId,
        workflowId,
        taskQueue: this.deps.taskQueue,
        input: JSON.stringify(input),
        receivedAtMs: this.deps.nowMs(),
      });
    } catch (err) {
      // Neither Temporal nor the inbox holds the event: the partner must keep it.
      throw (
        cause ??
        new TemporalUnavailableError(`neither Temporal nor the inbox took the event: ${(err as Error).message}`)
      );
    }
    if (!wrote) return 'queued-duplicate';
    this.deps.counters?.overflowed(reason);
    return 'queued';
  }
}
