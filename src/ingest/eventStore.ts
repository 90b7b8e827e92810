// The receiver's database side: one row per (connection, partner event id).
// `register` is an atomic insert-or-count; `claimAcceptance` lets exactly one of
// many concurrent deliveries of the same event answer 202 (the rest answer 200
// "duplicate"). A database failure here is StoreUnavailableError (503): the
// partner keeps the event and retries.
import type { Db } from '../db/prisma';

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export interface NewEvent {
  connectionId: string;
  eventId: string;
  eventType: string;
  objectType: string;
  objectId: string;
  objectVersion: number | null;
  workflowId: string;
  /** Raw body, only when too large to travel inside the workflow input. */
  payload: Buffer | null;
  payloadBytes: number;
}

export interface RegisteredEvent {
  rowId: string;
  status: string;
  alreadyAccepted: boolean;
}

/** Statuses after which a re-delivery never needs Temporal again. */
export const FINAL_STATUSES = new Set(['processed']);

export class EventStore {
  constructor(private readonly db: Db) {}

  async register(e: NewEvent): Promise<RegisteredEvent> {
    try {
      const version = e.objectVersion === null ? null : BigInt(Math.trunc(e.objectVersion));
      const rows = await this.db.$queryRaw<{ id: bigint; status: string; accepted_at: Date | null }[]>`
        INSERT INTO webhook_events (connection_id, event_id, event_type, object_type, object_id, object_version, workflow_id, payload, payload_bytes)
        VALUES (${e.connectionId}, ${e.eventId}, ${e.eventType}, ${e.objectType}, ${e.objectId}, ${version}, ${e.workflowId}, ${e.payload}, ${e.payloadBytes})
        ON CONFLICT (connection_id, event_id) DO UPDATE SET delivery_count = webhook_events.delivery_count + 1
        RETURNING id, status, accepted_at`;
      const row = rows[0];
      if (!row) throw new Error('insert returned no row');
      return { rowId: row.id.toString(), status: row.status, alreadyAccepted: row.accepted_at !== null };
    } catch (err) {
      throw new StoreUnavailableError(`could not record the event: ${(err as Error).message}`);
    }
  }

  /** True for exactly one caller per event: the one whose start made Temporal hold it first. */
  async claimAcceptance(rowId: string): Promise<boolean> {
    const n = await this.db.$executeRaw`
      UPDATE webhook_events SET accepted_at = now(), status = CASE WHEN status = 'received' THEN 'accepted' ELSE status END
      WHERE id = ${BigInt(rowId)} AND accepted_at IS NULL`;
    return n === 1;
  }
}
