// The life of a webhook_events row, written once. Every write that changes a
// row's status goes through src/store/webhookEvents.ts, which makes the write
// conditional on this table (`WHERE status = ANY(allowedFrom(to))`) and
// refuses the rest (EventTransitionRefusedError). Writing the same status
// again is always allowed: activities retry, and a retried write must be a no-op.
//
//   (new) ──▶ received   the receiver stored a large body, or counted a re-delivery, before the run recorded it
//   (new) ──▶ accepted   the run's first step recorded the delivery
//   (new) ──▶ terminated | cancelled | failed   the sweep found a run closed before it recorded its delivery
//   received ─▶ accepted     Temporal holds it (receiver's mark, or the run's registration)
//   received|accepted ─▶ processed | parked
//   parked ─▶ accepted       an operator replays it
//   parked ─▶ skipped | superseded   an operator skips it, or a newer version of its object arrived
//   parked ─▶ processed | parked     a new run of an event whose parked run ended abnormally
//   skipped|superseded|failed ─▶ processed | parked   a new run after Temporal forgot the earlier one
//   received|accepted|parked ─▶ terminated | cancelled | failed   the run was closed from outside
//        (terminated or cancelled from the Web UI/CLI, timed out, failed by a bug, or gone): written by
//        the workflow's own cancellation clean-up, or by the sweep (src/activities/lifecycleSweep.ts)
//   terminated|cancelled|failed ─▶ accepted          replayed from the CLI, or re-delivered: a new run
//   terminated|cancelled|failed ─▶ processed | parked   that new run's outcome
//   terminated|cancelled|failed ─▶ superseded | skipped   a newer version of its object was applied, or an operator skipped it
//   processed: final. A re-delivery is never processed again (the deduplication backstop).

export const EVENT_ROW_STATUSES = [
  'received',
  'accepted',
  'processed',
  'parked',
  'skipped',
  'superseded',
  'failed',
  'terminated',
  'cancelled',
] as const;
export type EventRowStatus = (typeof EVENT_ROW_STATUSES)[number];

/** Statuses a row may be created with. */
export const NEW_ROW_STATUSES: readonly EventRowStatus[] = [
  'received',
  'accepted',
  'terminated',
  'cancelled',
  'failed',
];

/** A run closed from outside: its row waits for a replay, a re-delivery or a newer version of its object. */
export const CLOSED_FROM_OUTSIDE = ['terminated', 'cancelled', 'failed'] as const satisfies readonly EventRowStatus[];
export type ClosedFromOutside = (typeof CLOSED_FROM_OUTSIDE)[number];

const CLOSED_AND_WAITING: readonly EventRowStatus[] = ['accepted', 'processed', 'parked', 'superseded', 'skipped'];

export const EVENT_TRANSITIONS: Readonly<Record<EventRowStatus, readonly EventRowStatus[]>> = {
  received: ['accepted', 'processed', 'parked', ...CLOSED_FROM_OUTSIDE],
  accepted: ['processed', 'parked', ...CLOSED_FROM_OUTSIDE],
  parked: ['accepted', 'skipped', 'superseded', 'processed', ...CLOSED_FROM_OUTSIDE],
  processed: [],
  skipped: ['processed', 'parked'],
  superseded: ['processed', 'parked'],
  // The workflow failed (a bug), timed out, or was gone when the sweep looked.
  failed: CLOSED_AND_WAITING,
  terminated: CLOSED_AND_WAITING,
  cancelled: CLOSED_AND_WAITING,
};

/** Statuses that say a run is (or should be) working on the row: the sweep checks their workflow is still open. */
export const OPEN_STATUSES: readonly EventRowStatus[] = ['received', 'accepted', 'parked'];

/** Rows a newer version of their object supersedes: parked ones (their run is told) and closed ones (settled directly). */
export const SUPERSEDABLE_STATUSES: readonly EventRowStatus[] = ['parked', ...CLOSED_FROM_OUTSIDE];

export function isClosedFromOutside(status: string): status is ClosedFromOutside {
  return (CLOSED_FROM_OUTSIDE as readonly string[]).includes(status);
}

/** Row statuses after which a re-delivery is never processed again. */
export const FINAL_STATUSES: readonly EventRowStatus[] = EVENT_ROW_STATUSES.filter(
  (s) => EVENT_TRANSITIONS[s].length === 0,
);

/** Rows nothing will update again once their run ended: the retention run may delete them. */
export const PRUNABLE_STATUSES: readonly EventRowStatus[] = ['processed', 'skipped', 'superseded'];

export function canTransition(from: EventRowStatus, to: EventRowStatus): boolean {
  return from === to || EVENT_TRANSITIONS[from].includes(to);
}

/** Every status a row may be in for `to` to be written (`to` itself included). */
export function allowedFrom(to: EventRowStatus): EventRowStatus[] {
  return EVENT_ROW_STATUSES.filter((from) => canTransition(from, to));
}

/**
 * For writes whose SQL names its transition in a CASE (insert-or-update
 * statements): fails at load time if the table stops allowing it, so the SQL
 * and the table cannot drift apart.
 */
export function declaredTransition(
  from: EventRowStatus,
  to: EventRowStatus,
): { from: EventRowStatus; to: EventRowStatus } {
  if (!canTransition(from, to)) throw new Error(`webhook_events: ${from} -> ${to} is not in EVENT_TRANSITIONS`);
  return { from, to };
}

export function isFinal(status: string): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}
