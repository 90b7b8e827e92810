// What a chaos run does to the webhook stream and the partner API. Rates are
// probabilities per change (delivery faults) or per request (API faults);
// durations carry their unit. One object per run, printed with its seed.
import type { OperatorFaults } from './operatorFault';

export interface DeliveryFaults {
  /** The partner never sends the webhook for a change (reconciliation must find it). */
  dropRate: number;
  /** A change's webhook is delivered more than once (1-2 extra copies). */
  duplicateRate: number;
  /** Copies are held back up to reorderWindowMs, so later changes can overtake them. */
  reorderRate: number;
  reorderWindowMs: number;
  /** A copy is held back for long (up to maxDelayMs): a partner's slow queue. */
  delayRate: number;
  maxDelayMs: number;
  /** A burst: burstSize changes are made and sent at once, unpaced. */
  burstRate: number;
  burstSize: number;
  /** A delivery signed with a secret the connection never had (must be 401, never stored). */
  forgedRate: number;
  /** A delivery signed correctly but with a timestamp outside the tolerance (must be 401). */
  staleRate: number;
  /** Fractions of the stream at which the partner switches to a new secret, and the old one is removed. */
  rotateAt: number;
  retireOldSecretAt: number;
}

export interface ApiFaults {
  rate500: number;
  rate503: number;
  rate429: number;
  retryAfterSec: number;
  /** Failure rate of the list APIs reconciliation pages through. */
  listFailureRate: number;
}

export interface ChaosFaults {
  delivery: DeliveryFaults;
  api: ApiFaults;
  /** An engineer terminating, cancelling, resetting and sending junk to workflows (dev/chaos/operatorFault.ts). */
  operator: OperatorFaults;
}

export const DEFAULT_CHAOS_FAULTS: ChaosFaults = {
  delivery: {
    dropRate: 0.08,
    duplicateRate: 0.12,
    reorderRate: 0.3,
    reorderWindowMs: 1_500,
    delayRate: 0.03,
    maxDelayMs: 6_000,
    burstRate: 0.01,
    burstSize: 25,
    forgedRate: 0.02,
    staleRate: 0.02,
    rotateAt: 0.35,
    retireOldSecretAt: 0.7,
  },
  api: { rate500: 0.05, rate503: 0.05, rate429: 0.03, retryAfterSec: 1, listFailureRate: 0.1 },
  operator: { actions: 10 },
};
