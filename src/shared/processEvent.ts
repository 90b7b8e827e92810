// Types and constants shared by the receiver, the processEvent workflow and its
// activities. Deterministic and dependency-free: it is bundled into workflows.

/** JSON-safe retry settings, carried in the workflow input so each connection can declare its own. */
export interface RetrySettings {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}

/** Default partner-call retry: 1 s, 5 s, 25 s, ~2 min, ~10 min, then hourly, 12 attempts in all (~6 h). */
export const DEFAULT_PARTNER_RETRY: RetrySettings = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 5,
  maximumIntervalMs: 3_600_000,
  maximumAttempts: 12,
};

/** Failures where asking the partner again cannot help; these skip the retry schedule. */
export const NON_RETRYABLE_ERROR_TYPES = ['PartnerPermanentError', 'MalformedDeliveryError', 'UnknownConnectionError', 'InvalidConnectionError'];

export interface ProcessEventInput {
  /** webhook_events.id, as a string (bigint does not survive JSON). */
  eventRowId: string;
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
  retry: RetrySettings;
}

export type ApplyOutcome = 'applied' | 'unchanged' | 'tombstoned';

export interface ProcessEventResult {
  status: 'processed';
  outcome: ApplyOutcome;
  version: number | null;
}

export type WireObjectState =
  | { found: true; version: number; data: Record<string, unknown> }
  | { found: false; version: number | null };
