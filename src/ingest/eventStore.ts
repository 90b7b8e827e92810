// The receiver's database side: one row per (connection, partner event id).
// `register` is an atomic insert-or-count, the one write on the ack path; a
// database failure there is StoreUnavailableError (503): the partner keeps the
// event and retries. Which delivery answers 202 is decided by Temporal (see
// starter.ts). `markAccepted` then records, off the ack path and in batches,
// that Temporal holds the event (status 'accepted', accepted_at): a row still
// 'received' with no accepted_at was never handed over, or the process died
// within a flush interval of handing it over (the run's outcome still lands).
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
}

/** Statuses after which a re-delivery never needs Temporal again. */
export const FINAL_STATUSES = new Set(['processed']);

/** Acceptance marks wait at most this long, or until this many are queued. */
const ACCEPT_FLUSH_MS = 25;
const ACCEPT_BATCH = 200;
/** After a failed write (database down) the marks are retried, up to this many kept. */
const ACCEPT_RETRY_MS = 1_000;
const ACCEPT_RETRY_MAX = 50_000;

export class EventStore {
  constructor(
    private readonly db: Db,
    private readonly onMarkError: (err: Error, marks: number) => void = () => {},
  ) {}

  async register(e: NewEvent): Promise<RegisteredEvent> {
    try {
      const version = e.objectVersion === null ? null : BigInt(Math.trunc(e.objectVersion));
      const rows = await this.db.$queryRaw<{ id: bigint; status: string }[]>`
        INSERT INTO webhook_events (connection_id, event_id, event_type, object_type, object_id, object_version, workflow_id, payload, payload_bytes)
        VALUES (${e.connectionId}, ${e.eventId}, ${e.eventType}, ${e.objectType}, ${e.objectId}, ${version}, ${e.workflowId}, ${e.payload}, ${e.payloadBytes})
        ON CONFLICT (connection_id, event_id) DO UPDATE SET delivery_count = webhook_events.delivery_count + 1
        RETURNING id, status`;
      const row = rows[0];
      if (!row) throw new Error('insert returned no row');
      return { rowId: row.id.toString(), status: row.status };
    } catch (err) {
      throw new StoreUnavailableError(`could not record the event: ${(err as Error).message}`);
    }
  }

  private pending: bigint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  /** Queues the acceptance mark; written within ACCEPT_FLUSH_MS, or at once when ACCEPT_BATCH marks wait. */
  markAccepted(rowId: string): void {
    this.pending.push(BigInt(rowId));
    if (this.pending.length >= ACCEPT_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), ACCEPT_FLUSH_MS);
  }

  /** Writes every queued mark (also called at shutdown). Marks of a failed write are kept for the next flush. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ids = this.pending;
    this.pending = [];
    if (ids.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        await this.db.$executeRaw`
          UPDATE webhook_events SET accepted_at = now(), status = CASE WHEN status = 'received' THEN 'accepted' ELSE status END
          WHERE id = ANY(${ids}::bigint[]) AND accepted_at IS NULL`;
      } catch (err) {
        this.onMarkError(err as Error, ids.length);
        if (this.pending.length + ids.length <= ACCEPT_RETRY_MAX) {
          this.pending = [...ids, ...this.pending];
          this.timer ??= setTimeout(() => void this.flush(), ACCEPT_RETRY_MS);
        }
      }
    });
    return this.flushing;
  }
}
