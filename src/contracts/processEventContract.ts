// Types and constants shared by the receiver, the processEvent workflow and its
// activities. Deterministic and dependency-free: it is bundled into workflows.

/**
 * JSON-safe retry settings, carried in the workflow input so each connection
 * can declare its own. They become the activity's Temporal retry policy; when
 * `scheduleMs` is set, the activity also sets each attempt's next-retry delay
 * from it (Temporal policies are exponential, partners' expectations are not).
 * A partner's Retry-After always wins over the schedule.
 */
export interface RetrySettings {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  /** Total attempts, the first included; bounds the whole schedule. */
  maximumAttempts: number;
  /** Delay before attempt n+1 is scheduleMs[n-1] (the last entry repeats). */
  scheduleMs?: number[];
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/** Default partner-call retry: 1 s, 5 s, 30 s, 5 min, 30 min, 2 h, 6 h: 8 attempts over ~8.6 h. */
export const DEFAULT_PARTNER_RETRY: RetrySettings = {
  initialIntervalMs: SECOND_MS,
  backoffCoefficient: 5,
  maximumIntervalMs: 6 * HOUR_MS,
  maximumAttempts: 8,
  scheduleMs: [SECOND_MS, 5 * SECOND_MS, 30 * SECOND_MS, 5 * MINUTE_MS, 30 * MINUTE_MS, 2 * HOUR_MS, 6 * HOUR_MS],
};

export const DEFAULT_FETCH_TIMEOUT_MS = 60_000;

export interface ProcessEventInput {
  /**
   * webhook_events.id, as a string (bigint does not survive JSON), when the
   * receiver recorded the row before starting the run (payloads too large to
   * travel in the input). null on the thin ack path: the workflow's first step
   * (registerEvent) records the row and learns its id.
   */
  eventRowId: string | null;
  /** When the receiver took the delivery (ms since epoch): the row's received_at. */
  receivedAtMs?: number;
  /** Size of the raw body, for the row. */
  payloadBytes?: number;
  connectionId: string;
  connector: string;
  eventId: string;
  eventType: string;
  objectType: string;
  objectId: string;
  objectVersion: number | null;
  trustPayload: boolean;
  /** The parsed body when small enough to travel in the input; null means "load it by eventRowId". */
  inlinePayload: unknown;
  /**
   * The receiver's seal over the fields that decide what is written
   * (src/crypto/inputSeal.ts). Absent in histories from before it existed, and
   * in input nobody at the receiver wrote: activities then trust none of them.
   */
  seal?: string;
  retry: RetrySettings;
  /** Start-to-close timeout of one partner fetch attempt. */
  fetchTimeoutMs?: number;
}

/** A delivery as its webhook_events row knows it: the event's identity, its size and when it was received. */
export interface DeliveryFacts {
  connectionId: string;
  eventId: string;
  eventType: string;
  objectType: string;
  objectId: string;
  objectVersion: number | null;
  payloadBytes: number;
  receivedAtMs: number;
}

/** The delivery facts a processEvent input carries; `receivedAtMs` when the input has none (older histories). */
export function deliveryFactsOf(input: ProcessEventInput, fallbackReceivedAtMs: number): DeliveryFacts {
  return {
    connectionId: input.connectionId,
    eventId: input.eventId,
    eventType: input.eventType,
    objectType: input.objectType,
    objectId: input.objectId,
    objectVersion: input.objectVersion,
    payloadBytes: input.payloadBytes ?? 0,
    receivedAtMs: input.receivedAtMs ?? fallbackReceivedAtMs,
  };
}

/** What the workflow's registration step records; the workflow id and run come from the activity's context. */
export type RegisterEventArgs = DeliveryFacts;

/** What the registration step reports back to the run. */
export interface EventRegistration {
  eventRowId: string;
  status: string;
  /** The row was already final (processed by an earlier run): nothing is left to do. */
  alreadyFinal: boolean;
}

/** What an engineer sees when querying a processEvent workflow, and what the ops tools show. */
/**
 * `duplicate`: the run found the event already processed by an earlier run (after Temporal's retention) and stopped.
 * `cancelled`: cancellation was requested from outside; the row says so too, and `events replay` starts a new run.
 */
export type EventStatus =
  'processing' | 'processed' | 'parked' | 'replaying' | 'skipped' | 'superseded' | 'duplicate' | 'cancelled';

export interface OperatorRequest {
  /** Who asks: an ops login, "cli:<user>", "admin-api". Required. */
  by: string;
  reason?: string;
}

export interface OperatorActionRecord {
  action: 'replay' | 'skip' | 'superseded';
  by: string;
  reason: string | null;
  atMs: number;
}

export interface EventState {
  status: EventStatus;
  /** How many times processing has been run (1 + replays). */
  runs: number;
  lastError: string | null;
  actions: OperatorActionRecord[];
}

export interface ActionResult {
  action: 'replay' | 'skip';
  /** The event's status once the action has played out: processed or parked again after a replay; skipped after a skip. `replaying` when the caller did not wait (lastError is then the one that parked it). */
  status: EventStatus;
  lastError: string | null;
}

export interface SupersedeNotice {
  version: number;
  source: string;
}

export type ApplyOutcome = 'applied' | 'unchanged' | 'tombstoned';

export interface ProcessEventResult {
  /** `duplicate`: an earlier run already processed this event (found on its row); this run did nothing. */
  status: 'processed' | 'skipped' | 'superseded' | 'duplicate';
  outcome: ApplyOutcome | null;
  version: number | null;
  runs: number;
}

export type WireObjectState =
  { found: true; version: number; data: Record<string, unknown> } | { found: false; version: number | null };
