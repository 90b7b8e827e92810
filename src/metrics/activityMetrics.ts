// Metrics for the worker's activities, kept out of the activities themselves:
// - event life-cycle counters, counted when the activity that records the step
//   succeeds (a retried activity may count twice; counters are for rates, the
//   webhook_events row is the record);
// - retries: every activity attempt after the first, by connector;
// - partner API errors and 429s, counted by a fetch wrapper that learns the
//   connector of the activity it runs in from AsyncLocalStorage.
// The connector label is resolved from the activity's `connectionId` or
// `eventRowId` argument; a lookup that fails yields 'unknown' and never fails
// the activity.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Context } from '@temporalio/activity';
import type { Db } from '../db/prisma';
import type { EventOutcome, Metrics, ReconcileRunOutcome } from './metricsRegistry';
import { connectorOf } from '../store/connectionRows';
import { checkpointAgesByConnector } from '../store/reconcileState';
import { connectionIdOfEvent, parkedCountsByConnector } from '../store/webhookEvents';

const UNKNOWN = 'unknown';
const running = new AsyncLocalStorage<{ connector: string }>();

type Args = { connectionId?: unknown; eventRowId?: unknown; status?: unknown } | undefined;
type AnyActivity = (...args: unknown[]) => Promise<unknown>;

/** Which activity records which life-cycle step, given its argument and result. */
const OUTCOME_OF: Record<string, (a: Args, result: unknown) => EventOutcome | undefined> = {
  recordEventOutcome: (a) => (a?.status === 'processed' || a?.status === 'failed' ? a.status : undefined),
  finishEvent: () => 'processed',
  fetchAndFinish: (_a, result) =>
    (result as { applied?: unknown } | undefined)?.applied === true ? 'processed' : undefined,
  parkEvent: () => 'parked',
  recordOperatorAction: () => 'replayed',
  resolveParkedEvent: (a) => (a?.status === 'skipped' || a?.status === 'superseded' ? a.status : undefined),
};

function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** connection id -> connector; bounded by the number of connections, and a connection never changes connector. */
function connectorResolver(db: Db) {
  const byConnection = new Map<string, string>();
  const ofConnection = async (id: string): Promise<string> => {
    const hit = byConnection.get(id);
    if (hit) return hit;
    const connector = await connectorOf(db, id);
    if (connector) byConnection.set(id, connector);
    return connector ?? UNKNOWN;
  };
  return async (args: Args): Promise<string | undefined> => {
    try {
      if (typeof args?.connectionId === 'string') return await ofConnection(args.connectionId);
      if (typeof args?.eventRowId === 'string') {
        const connectionId = await connectionIdOfEvent(db, args.eventRowId);
        return connectionId ? await ofConnection(connectionId) : UNKNOWN;
      }
      return undefined;
    } catch {
      return UNKNOWN;
    }
  };
}

export function instrumentActivities<T extends object>(activities: T, metrics: Metrics, db: Db): T {
  const connectorOf = connectorResolver(db);
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities) as Array<[string, AnyActivity]>) {
    wrapped[name] = async (...args: unknown[]) => {
      const first = args[0] as Args;
      const connector = await connectorOf(first);
      if (connector && attempt() > 1) metrics.eventRetries.inc({ connector });
      const result = await running.run({ connector: connector ?? UNKNOWN }, () => fn(...args));
      const outcome = OUTCOME_OF[name]?.(first, result);
      if (outcome) metrics.events.inc({ connector: connector ?? UNKNOWN, outcome });
      if (name === 'finishReconcileRun') await countRun(result, metrics, connectorOf);
      return result;
    };
  }
  return wrapped as T;
}

const RUN_OUTCOMES: readonly string[] = ['succeeded', 'failed', 'blocked', 'cancelled'];

/** A finished reconciliation run: one run and its pages, by the connector of its connection. */
async function countRun(result: unknown, metrics: Metrics, connectorOf: (a: Args) => Promise<string | undefined>) {
  const run = result as { connectionId?: unknown; status?: unknown; pages?: unknown } | undefined;
  const connector = (await connectorOf({ connectionId: run?.connectionId })) ?? UNKNOWN;
  const status = String(run?.status);
  const outcome = (RUN_OUTCOMES.includes(status) ? status : 'other') as ReconcileRunOutcome;
  metrics.reconcileRuns.inc({ connector, outcome });
  if (typeof run?.pages === 'number' && run.pages > 0) metrics.reconcilePages.inc({ connector }, run.pages);
}

/** A fetch that counts partner errors by the connector of the activity it runs in. 404 is an answer (a tombstone), not an error. */
export function instrumentFetch(http: typeof fetch, metrics: Metrics): typeof fetch {
  return async (input, init) => {
    const connector = running.getStore()?.connector ?? UNKNOWN;
    let res: Response;
    try {
      res = await http(input, init);
    } catch (err) {
      metrics.partnerErrors.inc({ connector, status_class: 'network' });
      throw err;
    }
    if (!res.ok && res.status !== 404) {
      metrics.partnerErrors.inc({ connector, status_class: `${Math.floor(res.status / 100)}xx` });
      if (res.status === 429) metrics.partnerRateLimited.inc({ connector });
    }
    return res;
  };
}

/** Reconciliation checkpoint ages per connector (the oldest checkpoint of each), for the scrape-time gauge. */
export function parkedCounts(db: Db) {
  return (): Promise<Array<{ connector: string; parked: number }>> => parkedCountsByConnector(db);
}

export function checkpointAges(db: Db) {
  return (): Promise<Array<{ connector: string; ageSec: number }>> => checkpointAgesByConnector(db);
}
