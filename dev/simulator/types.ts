// Shapes shared by the partner simulator's store, event builder, API and sender.

/** Milliseconds since the Unix epoch; injected so tests and benchmarks control time. */
export type Clock = () => number;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ObjectRef {
  readonly type: string;
  readonly id: string;
}

/** One version of a partner object. A tombstone keeps the last data it had before deletion. */
export interface ObjectSnapshot extends ObjectRef {
  /** Drawn from one store-wide counter: strictly increasing per object and globally ordered. */
  readonly version: number;
  readonly deleted: boolean;
  /** ISO-8601 time of the mutation that produced this version. */
  readonly updatedAt: string;
  readonly data: Readonly<JsonObject>;
}

export type ChangeAction = 'created' | 'updated' | 'deleted';

/** One entry of the append-only change log; `seq` equals the snapshot's version. */
export interface ChangeEntry {
  readonly seq: number;
  readonly action: ChangeAction;
  readonly object: ObjectSnapshot;
}

export interface ChangePage {
  readonly changes: readonly ChangeEntry[];
  /** Cursor for the next call: the last seq returned, or the input seq when the page is empty. */
  readonly nextSeq: number;
  readonly hasMore: boolean;
}
