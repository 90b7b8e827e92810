// The receiver's bookkeeping on webhook_events (the rows and their SQL belong
// to src/store/webhookEvents.ts). On the thin ack path (every body small
// enough to travel in the workflow input) the receiver writes nothing before
// answering: the workflow records the row (registerEvent). What the receiver
// still writes:
// - `register`, for a body too large for the workflow input: an atomic
//   insert-or-count that stores the body, before the start. A database failure
//   there is StoreUnavailableError (503): the partner keeps the event and retries.
// - `markAccepted`, after such a start: that Temporal holds the event (status
//   'accepted', accepted_at);
// - `countRedelivery`, for a delivery Temporal already had: delivery_count + 1,
//   inserting the row if the workflow has not recorded it yet.
// The last two are written off the ack path, in batches, retried while
// PostgreSQL is down, and flushed at shutdown. They are bookkeeping: a process
// that dies within a flush interval loses them, never an event.
import type { Db } from '../db/prisma';
import { StoreUnavailableError } from '../errors/storeErrors';
import {
  countRedeliveries,
  type DeliveryRow,
  type EventRowRef,
  insertReceivedEvent,
  markEventsAccepted,
} from '../store/webhookEvents';

/** Background writes wait at most this long, or until this many are queued. */
const FLUSH_MS = 25;
const BATCH = 200;
/** After a failed write (database down) the writes are retried, up to this many kept. */
const RETRY_MS = 1_000;
const RETRY_MAX = 50_000;

export class DeliveryRecorder {
  constructor(
    private readonly db: Db,
    /** Told when a background write failed (it is kept and retried). */
    private readonly onBackgroundError: (
      err: Error,
      what: 'accept_marks' | 'redeliveries',
      count: number,
    ) => void = () => {},
  ) {}

  /** Stores a large delivery's body on its row (insert-or-count); StoreUnavailableError (503) when the database fails. */
  async register(e: DeliveryRow & { payload: Buffer | null }): Promise<EventRowRef> {
    try {
      return await insertReceivedEvent(this.db, e);
    } catch (err) {
      throw new StoreUnavailableError(`could not record the event: ${(err as Error).message}`);
    }
  }

  private marks: bigint[] = [];
  private redeliveries = new Map<string, { row: DeliveryRow; count: number }>();
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  /** Queues the acceptance mark of a row the receiver registered. */
  markAccepted(rowId: string): void {
    this.marks.push(BigInt(rowId));
    this.queue();
  }

  /** Queues "one more delivery" of an event Temporal already held. */
  countRedelivery(row: DeliveryRow): void {
    this.addRedeliveries(row, 1);
    this.queue();
  }

  /** One entry per event: further deliveries of the same event add to its count. */
  private addRedeliveries(row: DeliveryRow, count: number): void {
    const key = `${row.connectionId}\u0000${row.eventId}`;
    const entry = this.redeliveries.get(key);
    if (entry) entry.count += count;
    else this.redeliveries.set(key, { row, count });
  }

  private queue(): void {
    this.queued += 1;
    if (this.queued >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes everything queued (also called at shutdown). A failed write is kept for the next flush. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const marks = this.marks;
    const redeliveries = [...this.redeliveries.values()];
    this.marks = [];
    this.redeliveries = new Map();
    this.queued = 0;
    if (marks.length === 0 && redeliveries.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      if (marks.length > 0) {
        await this.writeMarks(marks).catch((err: Error) => {
          this.onBackgroundError(err, 'accept_marks', marks.length);
          if (this.marks.length + marks.length <= RETRY_MAX) this.marks = [...marks, ...this.marks];
          this.retryLater();
        });
      }
      if (redeliveries.length > 0) {
        await this.writeRedeliveries(redeliveries).catch((err: Error) => {
          this.onBackgroundError(err, 'redeliveries', redeliveries.length);
          if (this.redeliveries.size + redeliveries.length > RETRY_MAX) return;
          for (const r of redeliveries) this.addRedeliveries(r.row, r.count);
          this.retryLater();
        });
      }
    });
    return this.flushing;
  }

  private retryLater(): void {
    this.timer ??= setTimeout(() => void this.flush(), RETRY_MS);
  }

  private writeMarks(ids: bigint[]): Promise<void> {
    return markEventsAccepted(this.db, ids);
  }

  private writeRedeliveries(items: Array<{ row: DeliveryRow; count: number }>): Promise<void> {
    return countRedeliveries(this.db, items);
  }
}
