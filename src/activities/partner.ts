// Activities that talk to the partner. Each failed attempt is written to the
// event row (attempts, last error) so ops can see a struggling event without
// opening Temporal.
import { Context } from '@temporalio/activity';
import { getConnector } from '../connectors/connectorRegistry';
import { systemPartnerClock } from '../connectors/observedVersion';
import type { Json } from '../connectors/types';
import type { WireObjectState } from '../contracts/processEventContract';
import { noteFetchAttempt, readEventPayload } from '../store/webhookEvents';
import type { ActivityDeps } from './deps';
import { toTemporalFailure } from './failures';
import { StalePartnerReadError } from '../errors/partnerErrors';

export interface FetchObjectArgs {
  connectionId: string;
  objectType: string;
  objectId: string;
  eventRowId?: string;
  /** The version the event announced; an older answer is partner read lag and is retried. */
  expectedVersion: number | null;
  /** The connection's retry schedule: delay before attempt n+1 is retryScheduleMs[n-1]. */
  retryScheduleMs?: number[];
}

function scheduledDelay(scheduleMs: number[] | undefined, attempt: number): number | undefined {
  if (!scheduleMs || scheduleMs.length === 0) return undefined;
  return scheduleMs[Math.min(attempt - 1, scheduleMs.length - 1)];
}

export function createPartnerActivities(
  deps: Pick<ActivityDeps, 'db' | 'http'> &
    Partial<Pick<ActivityDeps, 'partnerClock'>> & { connections: Pick<ActivityDeps['connections'], 'get'> },
) {
  const clock = deps.partnerClock ?? systemPartnerClock;
  async function noteAttempt(eventRowId: string | undefined, error: string | null): Promise<void> {
    if (!eventRowId) return;
    const attempt = Context.current().info.attempt;
    await noteFetchAttempt(deps.db, eventRowId, attempt, error).catch(() => undefined);
  }

  return {
    async fetchObjectState(args: FetchObjectArgs): Promise<WireObjectState> {
      try {
        const conn = await deps.connections.get(args.connectionId);
        const client = getConnector(conn.connector).createClient(conn, deps.http, clock);
        const state = await client.fetchObject(args.objectType, args.objectId);
        if (state.found && args.expectedVersion !== null && state.version < args.expectedVersion) {
          throw new StalePartnerReadError(
            `partner returned version ${state.version}, event announced ${args.expectedVersion}`,
          );
        }
        await noteAttempt(args.eventRowId, null);
        if (!state.found) return { found: false, version: state.version ?? args.expectedVersion };
        return state;
      } catch (err) {
        await noteAttempt(args.eventRowId, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        throw toTemporalFailure(err, scheduledDelay(args.retryScheduleMs, Context.current().info.attempt));
      }
    },

    async stateFromPayload(args: {
      connectionId: string;
      eventRowId: string;
      inlinePayload: unknown;
    }): Promise<WireObjectState> {
      try {
        const conn = await deps.connections.get(args.connectionId);
        let body = args.inlinePayload as Json;
        if (body === null || body === undefined) {
          const payload = await readEventPayload(deps.db, args.eventRowId);
          body = JSON.parse((payload ?? Buffer.alloc(0)).toString('utf8')) as Json;
        }
        return getConnector(conn.connector).stateFromPayload({ headers: {}, body }, conn.settings);
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  };
}
