// Records how an event ended on its webhook_events row (the database's view of
// every delivery, kept after Temporal's retention ends).
import type { ApplyOutcome } from '../shared/processEvent';
import type { ActivityDeps } from './index';

export interface OutcomeArgs {
  eventRowId: string;
  status: 'processed' | 'failed';
  outcome?: ApplyOutcome;
  appliedVersion?: number | null;
  error?: string;
}

export function createEventActivities(deps: ActivityDeps) {
  return {
    async recordEventOutcome(args: OutcomeArgs): Promise<void> {
      await deps.db.webhookEvent.update({
        where: { id: BigInt(args.eventRowId) },
        data: {
          status: args.status,
          outcome: args.outcome ?? null,
          appliedVersion: args.appliedVersion === undefined || args.appliedVersion === null ? null : BigInt(Math.trunc(args.appliedVersion)),
          lastError: args.error ?? null,
          finishedAt: new Date(),
        },
      });
    },
  };
}
