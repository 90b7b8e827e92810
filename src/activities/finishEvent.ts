// Finishing an event in one transaction (issue 17): apply the object's state
// through the version guard, record the outcome on the event row, and find the
// parked events this write supersedes; their signals go out after the commit
// (a signal cannot be part of a PostgreSQL transaction).
//
// Contract:
//  - finishEvent is idempotent per event row: a row already `processed` keeps
//    what it recorded (a retry whose first attempt committed returns that), and
//    the supersede signals are sent again (a parked run ignores a second one).
//  - fetchAndFinish is the partner fetch (fetchObjectState, on the connection's
//    retry schedule) followed by finishEvent in the same activity, so a normally
//    processed event needs one activity task. A database failure in the finish
//    never fails the activity (that would spend the partner's attempts and park
//    the event): the fetched state comes back unapplied, and the workflow
//    finishes it with finishEvent as a local activity retried without limit.
import { Context, log } from '@temporalio/activity';
import type { ApplyOutcome, WireObjectState } from '../contracts/processEventContract';
import { applyStates } from '../store/syncRecords';
import { findSupersededParkedEvents, lockProcessedOutcome, recordProcessed } from '../store/webhookEvents';
import type { ActivityDeps } from './deps';
import { tellSuperseded } from './events';
import type { FetchObjectArgs } from './partner';

export interface FinishArgs {
  eventRowId: string;
  connectionId: string;
  objectType: string;
  objectId: string;
  state: WireObjectState;
  /** Who wrote it, e.g. `webhook:<event id>`. */
  source: string;
}

export interface Finished {
  outcome: ApplyOutcome;
  version: number | null;
}

export type FetchAndFinishArgs = FetchObjectArgs & Omit<FinishArgs, 'state'> & { eventRowId: string };

export type FetchedAndFinished = ({ applied: true } & Finished) | { applied: false; state: WireObjectState };

/** Time the finish may take inside the fetch activity, leaving the rest of its start-to-close timeout. */
const FINISH_MARGIN_MS = 2_000;

export function createFinishActivities(
  deps: Pick<ActivityDeps, 'db' | 'temporal'>,
  partner: { fetchObjectState(args: FetchObjectArgs): Promise<WireObjectState> },
) {
  async function finishEvent(args: FinishArgs): Promise<Finished> {
    const ref = { connectionId: args.connectionId, objectType: args.objectType, objectId: args.objectId };
    const done = await deps.db.$transaction(async (tx) => {
      const recorded = await lockProcessedOutcome(tx, args.eventRowId);
      let result: Finished;
      if (recorded) {
        result = { outcome: recorded.outcome ?? 'unchanged', version: recorded.appliedVersion };
      } else {
        const version = args.state.version ?? 0;
        const changed = await applyStates(tx, args.connectionId, args.source, [{ ...ref, state: args.state }]);
        const outcome: ApplyOutcome = changed.size === 0 ? 'unchanged' : args.state.found ? 'applied' : 'tombstoned';
        result = { outcome, version };
        await recordProcessed(tx, { eventRowId: args.eventRowId, outcome, appliedVersion: version });
      }
      const superseded =
        result.outcome === 'unchanged'
          ? []
          : await findSupersededParkedEvents(tx, {
              connectionId: args.connectionId,
              objects: [{ objectType: args.objectType, objectId: args.objectId }],
              exceptEventRowId: args.eventRowId,
            });
      return { result, superseded };
    });
    await tellSuperseded(deps, done.superseded, args.source);
    return done.result;
  }

  return {
    finishEvent,

    async fetchAndFinish(args: FetchAndFinishArgs): Promise<FetchedAndFinished> {
      const state = await partner.fetchObjectState(args);
      const info = Context.current().info;
      const budgetMs =
        info.startToCloseTimeoutMs - (Date.now() - info.currentAttemptScheduledTimestampMs) - FINISH_MARGIN_MS;
      const finish = { ...args, state };
      try {
        if (budgetMs <= 0) throw new Error('no time left in this attempt to finish');
        const result = await withDeadline(finishEvent(finish), budgetMs);
        return { applied: true, ...result };
      } catch (err) {
        // Not a partner failure: the workflow finishes it as a local activity, retried without limit.
        log.warn('event.finish_deferred', { eventRowId: args.eventRowId, error: String(err) });
        return { applied: false, state };
      }
    },
  };
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`finish took longer than ${ms} ms`)), ms);
  });
  // A finish that commits after the deadline is harmless: the local finish then finds the row processed.
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
