// The convergence table a chaos run prints: what the partner did, what
// syncline absorbed, and the final comparison against the naive receiver.
import type { ApiFaultCounts, PartnerStats } from './';
import type { NaiveOutcome } from './naive';
import type { ProductVerdict } from './productCheck';
import type { Verdict } from './verify';

export interface ChaosSummary {
  seed: number;
  changes: number;
  objects: number;
  durationMs: number;
  partner: PartnerStats;
  apiFaults: ApiFaultCounts;
  chaos: string[];
  parkedEver: number;
  replayedByOperator: number;
  /** The operator fault's actions that found a running workflow, by kind. */
  operatorActions: Record<string, number>;
  /** Events whose run the operator closed (terminate, cancel), replayed after the sweep settled them. */
  replayedAfterClose: number;
  backfilled: number;
  alerts: number;
  verdict: Verdict;
  /** The product endpoint's side: notifications received and the changes it saw. */
  product: ProductVerdict;
  naive: NaiveOutcome | null;
}

const row = (label: string, value: string | number, naive = ''): string =>
  `  ${label.padEnd(44)} ${String(value).padStart(9)}  ${naive}`;

export function renderSummary(s: ChaosSummary): string {
  const p = s.partner;
  const v = s.verdict;
  const d = v.diff;
  const n = s.naive;
  const lines = [
    `chaos run  seed ${s.seed}  ${s.changes} partner changes over ${s.objects} objects  ${(s.durationMs / 1000).toFixed(0)} s`,
    '',
    row('webhooks dropped by the partner', p.dropped),
    row('webhooks sent (distinct events)', p.eventsSent),
    row('copies sent (duplicates, delayed, reordered)', p.copies),
    row('delivery attempts', p.attempts),
    row('  acked 202', p.acked),
    row('  duplicates absorbed (200 duplicate)', p.duplicates),
    row('  retried (non-2xx or no answer)', p.retried),
    row('  abandoned by the partner', p.abandoned),
    row('forged deliveries sent / rejected 401', `${p.forgedSent}/${p.forgedRejected}`),
    row('stale-signed deliveries sent / rejected 401', `${p.staleSent}/${p.staleRejected}`),
    row(
      'partner API faults 500/503/429/outage',
      `${s.apiFaults.status500}/${s.apiFaults.status503}/${s.apiFaults.status429}/${s.apiFaults.outage503}`,
    ),
    row('events parked (ever) / alerts posted', `${s.parkedEver}/${s.alerts}`),
    row('parked events bulk-replayed by the operator', s.replayedByOperator),
    row(
      'operator actions in the Web UI',
      Object.entries(s.operatorActions)
        .map(([k, c]) => `${k}=${c}`)
        .join(' ') || 'none',
    ),
    row('events replayed after their run was closed', s.replayedAfterClose),
    row('records backfilled by reconciliation', s.backfilled),
    `  receiver answers: ${Object.entries(p.statuses)
      .map(([k, c]) => `${k}=${c}`)
      .join(' ')}`,
    row(
      'event rows by status',
      Object.entries(v.statuses)
        .map(([k, c]) => `${k}=${c}`)
        .join(' '),
    ),
    '',
    `  ${'final state vs partner truth'.padEnd(44)} ${'syncline'.padStart(9)}  ${n ? 'naive receiver' : ''}`,
    row('records missing', d.missing, n ? String(n.missing) : ''),
    row('records stale (older version or data)', d.stale, n ? String(n.stale) : ''),
    row('records resurrected (deleted at partner)', d.resurrected, n ? String(n.resurrected) : ''),
    row('records duplicated', 0, n ? String(n.duplicated) : ''),
    row('records that exist locally only', d.extra),
    row('changes applied twice (write_count > versions)', v.overApplied + v.appliedTwice),
    row('events without a final status', v.notFinal),
    row(
      'forged/stale deliveries stored',
      v.hostileStored,
      n ? `${p.forgedSent + p.staleSent} (accepted them all)` : '',
    ),
    row(
      'final diff',
      d.missing + d.stale + d.resurrected + d.extra,
      n ? String(n.missing + n.stale + n.resurrected + n.duplicated) : '',
    ),
    '',
    `  ${'the product (notified, endpoint down mid-run)'.padEnd(44)} ${'syncline'.padStart(9)}`,
    row('notifications accepted / refused', `${s.product.accepted}/${s.product.refused}`),
    row('re-deliveries the product ignored', s.product.redeliveries),
    row('changes in the feed', s.product.feedChanges),
    row('changes the product missed', s.product.missed),
    row('changes the product saw twice / out of order', `${s.product.repeated}/${s.product.outOfOrder}`),
    row('notifications failing standardwebhooks', s.product.unverified),
    '',
    `  chaos: ${s.chaos.join('; ') || 'none'}`,
  ];
  return lines.join('\n');
}
