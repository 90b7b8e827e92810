// The alerting contract shared by dead-lettering (parked events),
// reconciliation (failing runs, stale checkpoints, mass-deletion guard, a full
// diff's restore step skipping a malformed object or reaching its cap) and
// product notifications (an endpoint that kept failing: parked).
// Implementations group alerts per (kind, connection) so a storm of failures
// becomes a few messages, and always write a structured log line as well.

export type AlertKind =
  | 'event.parked'
  | 'reconcile.failing'
  | 'reconcile.checkpoint_stale'
  | 'reconcile.mass_delete_blocked'
  | 'reconcile.restore_skipped'
  | 'reconcile.restore_capped'
  | 'notifications.parked';

export interface Alert {
  kind: AlertKind;
  connectionId: string;
  connector: string;
  /** One line, human. */
  title: string;
  /** Everything an on-call engineer needs, as flat fields (never secrets or payloads). */
  fields: Record<string, string | number | null>;
  /** Temporal Web UI link to the workflow concerned, when there is one. */
  link?: string;
  /** Command that resolves it, e.g. the replay command. */
  command?: string;
}

export interface Alerter {
  send(alert: Alert): Promise<void>;
}
