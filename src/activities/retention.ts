// Event-row retention. webhook_events keeps one row per delivery forever
// otherwise, and thousands of busy connections make that the largest table.
// A finished row (processed, skipped, superseded) whose processing ended more
// than `eventRetentionDays` ago is deleted; parked, in-flight and failed rows
// are kept however old, and nothing else is touched (records, checkpoints, the
// operator_actions audit). Rows go in batches, each its own statement, with a
// heartbeat between, so a big first run neither holds a long transaction nor
// loses its progress when the worker dies.
//
// What it costs: the row is the deduplication backstop once Temporal's
// retention has removed the run, so a partner re-delivering an event after
// both windows starts it again. The version guard makes that a no-op for our
// copy (tested); keep the retention longer than the namespace's.
import { Context } from '@temporalio/activity';
import type { Db } from '../db/prisma';
import { pruneFinishedEvents } from '../store/webhookEvents';

export const PRUNE_BATCH_ROWS = 5_000;
const DAY_MS = 86_400_000;

export interface PruneResult {
  deleted: number;
  /** Rows that finished before this were deleted; null when retention is off. */
  cutoff: string | null;
}

export function createRetentionActivities(deps: { db: Db; eventRetentionDays: number; now?: () => number }) {
  const now = deps.now ?? Date.now;
  return {
    async pruneEventRows(): Promise<PruneResult> {
      const days = deps.eventRetentionDays;
      if (days <= 0) return { deleted: 0, cutoff: null };
      const cutoff = new Date(now() - days * DAY_MS);
      let deleted = 0;
      for (;;) {
        const n = await pruneFinishedEvents(deps.db, cutoff, PRUNE_BATCH_ROWS);
        deleted += n;
        Context.current().heartbeat({ deleted });
        if (n < PRUNE_BATCH_ROWS) return { deleted, cutoff: cutoff.toISOString() };
      }
    },
  };
}
