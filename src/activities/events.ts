// The event's life on its webhook_events row (src/store/webhookEvents.ts owns
// the row and its transitions): registration, outcome, parking, operator
// actions and automatic resolution. Every operator action and every automatic
// resolution is written to the operator_actions audit in the same transaction
// as the status it causes.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import type {
  ApplyOutcome,
  EventRegistration,
  RegisterEventArgs,
  SupersedeNotice,
} from '../contracts/processEventContract';
import { supersedeSignal } from '../contracts/processEventMessages';
import { InvalidInvocationError } from '../errors/operatorErrors';
import {
  findSupersededParkedEvents,
  insertOperatorAction,
  parkEventRow,
  recordProcessed,
  registerEventRow,
  replayEventRow,
  eventRowStatus,
  resolveParkedEventRow,
  settleEventRow,
} from '../store/webhookEvents';
import { OPEN_STATUSES, SUPERSEDABLE_STATUSES } from '../store/eventTransitions';
import type { ActivityDeps } from './deps';
import { toTemporalFailure } from './failures';

export interface OutcomeArgs {
  eventRowId: string;
  status: 'processed';
  outcome?: ApplyOutcome;
  appliedVersion?: number | null;
  error?: string;
}

export interface ResolveArgs {
  eventRowId: string;
  status: 'skipped' | 'superseded';
  action: 'skip' | 'superseded';
  by: string;
  reason: string;
}

export interface SupersedeArgs {
  connectionId: string;
  objects: Array<{ objectType: string; objectId: string }>;
  source: string;
  exceptEventRowId?: string;
}

/**
 * Tells each superseded event (found by findSupersededParkedEvents) that a newer
 * version of its object was applied: a parked event whose run is open gets the
 * supersede signal; one whose run closed from outside (terminated, cancelled;
 * the row may still say parked) is settled in the store, since no run will
 * settle it. A closed workflow is an answer, not an error to retry (issue 16).
 */
export async function tellSuperseded(
  deps: Pick<ActivityDeps, 'db' | 'temporal'>,
  rows: Array<{ eventRowId: string; workflowId: string; status: string; version: number }>,
  source: string,
): Promise<void> {
  for (const row of rows) {
    const notice: SupersedeNotice = { version: row.version, source };
    if (row.status === 'parked') {
      try {
        await deps.temporal.workflow.getHandle(row.workflowId).signal(supersedeSignal, notice);
        continue;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    await deps.db.$transaction((tx) =>
      settleEventRow(tx, {
        eventRowId: row.eventRowId,
        to: 'superseded',
        from: SUPERSEDABLE_STATUSES,
        action: 'superseded',
        by: 'syncline',
        reason: `object reached version ${notice.version} via ${notice.source} (its workflow had closed)`,
      }),
    );
  }
}

export function createEventActivities(deps: Pick<ActivityDeps, 'db' | 'temporal'>) {
  return {
    /**
     * The workflow's first step on the thin ack path: records the delivery on
     * its row for this run (see registerEventRow). A connection that no longer
     * exists fails it without retrying.
     */
    async registerEvent(args: RegisterEventArgs): Promise<EventRegistration> {
      const run = Context.current().info.workflowExecution;
      if (!run)
        throw toTemporalFailure(new InvalidInvocationError('registerEvent runs only inside a processEvent workflow'));
      return registerEventRow(deps.db, args, run).catch((err: unknown) => {
        throw toTemporalFailure(err);
      });
    },

    async recordEventOutcome(args: OutcomeArgs): Promise<void> {
      await recordProcessed(deps.db, args).catch((err: unknown) => {
        throw toTemporalFailure(err);
      });
    },

    async parkEvent(args: { eventRowId: string; error: string }): Promise<void> {
      await parkEventRow(deps.db, args).catch((err: unknown) => {
        throw toTemporalFailure(err);
      });
    },

    async recordOperatorAction(args: {
      eventRowId: string;
      action: 'replay';
      by: string;
      reason: string | null;
    }): Promise<void> {
      await deps.db
        .$transaction(async (tx) => {
          await replayEventRow(tx, args.eventRowId);
          await insertOperatorAction(tx, { ...args, result: 'replaying' });
        })
        .catch((err: unknown) => {
          throw toTemporalFailure(err);
        });
    },

    async resolveParkedEvent(args: ResolveArgs): Promise<void> {
      await deps.db
        .$transaction(async (tx) => {
          await resolveParkedEventRow(tx, args);
          await insertOperatorAction(tx, {
            eventRowId: args.eventRowId,
            action: args.action,
            by: args.by,
            reason: args.reason,
            result: args.status,
          });
        })
        .catch((err: unknown) => {
          throw toTemporalFailure(err);
        });
    },

    /**
     * The run was cancelled from outside: its row becomes `cancelled` unless it
     * already left the open statuses (processed, say, before the request came).
     * Returns the row's status after the write.
     */
    async cancelEvent(args: { eventRowId: string }): Promise<string> {
      return deps.db
        .$transaction(async (tx) => {
          await settleEventRow(tx, {
            eventRowId: args.eventRowId,
            to: 'cancelled',
            from: OPEN_STATUSES,
            action: 'cancel',
            by: 'temporal',
            reason: 'workflow cancellation requested (Web UI or CLI)',
          });
          return (await eventRowStatus(tx, args.eventRowId)) ?? 'missing';
        })
        .catch((err: unknown) => {
          throw toTemporalFailure(err);
        });
    },

    /**
     * The supersede rule (see findSupersededParkedEvents and tellSuperseded).
     * Returns how many were superseded or signalled. Runs in histories from
     * before finishEvent (src/activities/finishEvent.ts) and for reconciliation.
     */
    async supersedeParkedEvents(args: SupersedeArgs): Promise<number> {
      if (args.objects.length === 0) return 0;
      const rows = await findSupersededParkedEvents(deps.db, args);
      await tellSuperseded(deps, rows, args.source);
      return rows.length;
    },
  };
}
