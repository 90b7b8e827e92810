// Activities that talk to the partner. Each failed attempt is written to the
// event row (attempts, last error) so ops can see a struggling event without
// opening Temporal.
//
// Workflow input is not trusted for what gets written: anyone who reaches
// Temporal's frontend can start a processEvent with any input. The receiver
// seals the fields that decide what is written (src/crypto/inputSeal.ts), and
// these activities re-read the connection's own settings. Without a valid seal,
// or when the connection no longer trusts payloads, nothing the input claims
// is believed: the object's state is fetched from the partner, with no
// announced version to hold it to (PayloadNotTrustedError sends the workflow
// from the payload path to the fetch).
import { Context, log } from '@temporalio/activity';
import { getConnector } from '../connectors/connectorRegistry';
import type { Json, ObjectState, ResolvedConnection } from '../connectors/types';
import type { WireObjectState } from '../contracts/processEventContract';
import { inputSealValid } from '../crypto/inputSeal';
import { noteFetchAttempt, readEventPayloadFor } from '../store/webhookEvents';
import type { ActivityDeps } from './deps';
import { toTemporalFailure } from './failures';
import { PayloadNotTrustedError } from '../errors/ingestErrors';
import { StalePartnerReadError } from '../errors/partnerErrors';

/** The event the input says it carries, and the receiver's seal over it (absent in older histories). */
export interface SealedEventArgs {
  eventId?: string;
  eventType?: string;
  seal?: string;
}

/**
 * What decides a bare 404 (no delete reported) on the webhook path: on an event that is not a
 * delete (the connector's isDeleteEvent) it is retried like a stale read, and becomes a
 * tombstone only on the schedule's last attempt. Without an event type (older histories,
 * reconciliation) a 404 is a tombstone at once.
 */
interface LagArgs {
  eventType?: string;
  /** Attempts the connection's schedule allows; default: the activity's retry policy. */
  maximumAttempts?: number;
}

/** A tombstone the partner itself reported: a delete marker, or a 404 carrying the deleted version. */
const partnerReportedDelete = (state: ObjectState & { found: false }): boolean =>
  state.missing !== 'not_found' && state.version !== null;

export interface FetchObjectArgs extends SealedEventArgs, LagArgs {
  connectionId: string;
  objectType: string;
  objectId: string;
  eventRowId?: string;
  /** The version the event announced; an older answer is partner read lag and is retried. Believed only when sealed. */
  expectedVersion: number | null;
  /** The connection's retry schedule: delay before attempt n+1 is retryScheduleMs[n-1]. */
  retryScheduleMs?: number[];
}

export interface PayloadStateArgs extends SealedEventArgs {
  connectionId: string;
  eventRowId: string;
  inlinePayload: unknown;
  objectType?: string;
  objectId?: string;
  objectVersion?: number | null;
}

function scheduledDelay(scheduleMs: number[] | undefined, attempt: number): number | undefined {
  if (!scheduleMs || scheduleMs.length === 0) return undefined;
  return scheduleMs[Math.min(attempt - 1, scheduleMs.length - 1)];
}

export function createPartnerActivities(
  deps: Pick<ActivityDeps, 'db' | 'http' | 'box' | 'partnerClock'> & {
    connections: Pick<ActivityDeps['connections'], 'get'>;
  },
) {
  const clock = deps.partnerClock;
  async function noteAttempt(eventRowId: string | undefined, error: string | null): Promise<void> {
    if (!eventRowId) return;
    const attempt = Context.current().info.attempt;
    await noteFetchAttempt(deps.db, eventRowId, attempt, error).catch(() => undefined);
  }

  function sealed(
    args: SealedEventArgs & { connectionId: string; objectType?: string; objectId?: string },
    objectVersion: number | null,
    trustPayload: boolean,
    inlinePayload: unknown,
  ): boolean {
    const ok =
      args.eventId !== undefined &&
      args.eventType !== undefined &&
      args.objectType !== undefined &&
      args.objectId !== undefined &&
      inputSealValid(
        deps.box,
        {
          connectionId: args.connectionId,
          eventId: args.eventId,
          eventType: args.eventType,
          objectType: args.objectType,
          objectId: args.objectId,
          objectVersion,
          trustPayload,
          inlinePayload,
        },
        args.seal,
      );
    if (!ok)
      log.warn('workflow input is not sealed by the receiver: trusting none of it, fetching from the partner', {
        connectionId: args.connectionId,
        eventId: args.eventId,
      });
    return ok;
  }

  async function fetchState(
    conn: ResolvedConnection,
    objectType: string,
    objectId: string,
    expectedVersion: number | null,
    event: LagArgs,
  ): Promise<WireObjectState> {
    const connector = getConnector(conn.connector);
    const client = connector.createClient(conn, deps.http, clock);
    const state: ObjectState = await client.fetchObject(objectType, objectId);
    if (state.found && expectedVersion !== null && state.version < expectedVersion) {
      throw new StalePartnerReadError(`partner returned version ${state.version}, event announced ${expectedVersion}`);
    }
    if (!state.found && event.eventType !== undefined && !partnerReportedDelete(state)) {
      // Issue 16: a just-created object can answer 404 for a while (read-after-write lag). Tombstoning
      // it at the event's version would make every later delivery at that version a no-op.
      const info = Context.current().info;
      const deleteEvent = connector.isDeleteEvent?.(event.eventType, conn.settings) ?? false;
      const lastAttempt = info.attempt >= (event.maximumAttempts ?? info.retryPolicy?.maximumAttempts ?? 1);
      if (!deleteEvent && !lastAttempt) {
        throw new StalePartnerReadError(
          `partner answered 404 for ${objectType}/${objectId} on a ${event.eventType} event (not a delete): ` +
            'retried as read-after-write lag; it becomes a tombstone once the retry schedule is spent',
        );
      }
    }
    if (!state.found) return { found: false, version: state.version ?? expectedVersion };
    return state;
  }

  /** The fetch path, with the attempt noted on the row and failures on the connection's retry schedule. */
  async function fetchNoted(
    args: {
      connectionId: string;
      objectType: string;
      objectId: string;
      eventRowId?: string;
      retryScheduleMs?: number[];
    } & LagArgs,
    expectedVersion: number | null,
  ): Promise<WireObjectState> {
    try {
      const conn = await deps.connections.get(args.connectionId);
      const state = await fetchState(conn, args.objectType, args.objectId, expectedVersion, args);
      await noteAttempt(args.eventRowId, null);
      return state;
    } catch (err) {
      await noteAttempt(args.eventRowId, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      throw toTemporalFailure(err, scheduledDelay(args.retryScheduleMs, Context.current().info.attempt));
    }
  }

  return {
    async fetchObjectState(args: FetchObjectArgs): Promise<WireObjectState> {
      const believed = sealed(args, args.expectedVersion, false, null) ? args.expectedVersion : null;
      return fetchNoted(args, believed);
    },

    /**
     * The trusted-payload path: the object's state is the event's own payload,
     * only while the connection still trusts payloads and the receiver sealed
     * this one. Otherwise PayloadNotTrustedError: the workflow asks the partner.
     */
    async stateFromPayload(args: PayloadStateArgs): Promise<WireObjectState> {
      try {
        const conn = await deps.connections.get(args.connectionId);
        const connector = getConnector(conn.connector);
        if (!connector.trustsPayload(conn.settings))
          throw new PayloadNotTrustedError(`connection ${conn.id} no longer trusts event payloads`);
        if (!sealed(args, args.objectVersion ?? null, true, args.inlinePayload ?? null))
          throw new PayloadNotTrustedError('the workflow input carrying this payload was not sealed by the receiver');
        let body = args.inlinePayload as Json;
        if (body === null || body === undefined) {
          // The receiver stored it on the row of this very event (its seal names the event).
          const payload = await readEventPayloadFor(deps.db, args.eventRowId, args.connectionId, args.eventId!);
          body = JSON.parse((payload ?? Buffer.alloc(0)).toString('utf8')) as Json;
        }
        return connector.stateFromPayload({ headers: {}, body }, conn.settings);
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  };
}
