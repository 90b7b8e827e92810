// The connector contract. A connector is a partner type, in code; a connection
// is one customer's account at that partner (see src/connections). Adding a
// partner means one module implementing `Connector` and one line in registry.ts.
import type { z } from 'zod';
import type { IncomingHeaders, SignatureConfig } from '../signatures/types';
import type { RetrySettings } from '../contracts/processEventContract';
import type { ObjectKey } from '../contracts/reconcileContract';
import type { PartnerClock } from './observedVersion';

export type { ObjectKey } from '../contracts/reconcileContract';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** What syncline needs to know about one delivery, read from its headers and parsed body. */
export interface DeliveryInfo {
  eventId: string;
  eventType: string;
  objectType: string;
  objectId: string;
  /** Partner's version of the object in this event (monotonic); null when the partner has none. */
  objectVersion: number | null;
}

/**
 * A delivery the connector decides not to sync: a GitHub `ping`, an event type the
 * connector does not claim. Answered 200 with `{"status":"ignored"}`; no workflow
 * runs and nothing is written. The reason is logged and counted, so it is never silent.
 */
export interface IgnoredDelivery {
  ignored: string;
  eventId: string | null;
}

export interface RawDelivery {
  headers: IncomingHeaders;
  body: Json;
  /** Event id carried by the signature scheme's headers, when it has one. */
  headerEventId?: string;
}

/**
 * The partner's current state of one object. A missing object is a tombstone, not an error.
 * `missing: 'not_found'` marks a bare 404: the partner reported no delete (and no version of
 * one), so for a webhook event that is not a delete it may be read-after-write lag and the
 * fetch is retried (src/activities/partner.ts). A `version` on a tombstone without that mark is
 * the partner's own word for the delete. Versionless connectors stamp every state (also a bare
 * 404) with the fetch's start, so they mark bare 404s explicitly.
 */
export type ObjectState =
  { found: true; version: number; data: JsonObject } | { found: false; version: number | null; missing?: 'not_found' };

/** One page of a partner's change list, or of its id listing (full diff). */
export interface ListPage<T> {
  items: T[];
  /** Opaque to callers: hand it back to get the next page; persisted as the checkpoint. */
  nextCursor: string | null;
  hasMore: boolean;
}

export interface ChangeItem extends ObjectKey {
  state: ObjectState;
}

export interface PartnerClient {
  fetchObject(objectType: string, objectId: string): Promise<ObjectState>;
  /**
   * Changes after `cursor` (null = from the beginning), oldest first. The cursor
   * encodes whatever the partner's pagination needs (next-page token, or
   * updated-since plus page number); after the last page `nextCursor` is where
   * the next run starts. Absent when the partner cannot list changes.
   */
  listChanges?(cursor: string | null, pageSize: number): Promise<ListPage<ChangeItem>>;
  /** Every live object's id, paged the same way (full-diff reconciliation). */
  listIds?(cursor: string | null, pageSize: number): Promise<ListPage<ObjectKey>>;
}

/** A connection as connectors see it: secrets decrypted, settings validated by the connector. */
export interface ResolvedConnection<S = unknown> {
  id: string;
  connector: string;
  enabled: boolean;
  apiBaseUrl: string | null;
  signingSecrets: string[];
  credentials: Record<string, string>;
  settings: S;
}

export interface Connector<S = unknown> {
  readonly name: string;
  readonly settingsSchema: z.ZodType<S>;
  /** Null for polling-only partners: their webhook endpoint answers 404. */
  signature(settings: S): SignatureConfig | null;
  /** Whether an event type announces a delete (a 404 then tombstones at once instead of being retried as lag). */
  isDeleteEvent?(eventType: string, settings: S): boolean;
  /**
   * Throws MalformedDeliveryError when the body lacks what the settings say to read, and
   * ForeignDeliveryError when the delivery belongs to another account than the connection's.
   */
  readDelivery(delivery: RawDelivery, settings: S): DeliveryInfo | IgnoredDelivery;
  /**
   * When true the event's payload is the object's state and the partner API is not called.
   * `info` is the delivery's reading, for connectors that trust some events and not others.
   */
  trustsPayload(settings: S, info?: DeliveryInfo): boolean;
  stateFromPayload(delivery: RawDelivery, settings: S): ObjectState;
  /**
   * `clock` stamps answers of partners that have no version (see observedVersion.ts):
   * read it before the request is sent, and use the value as the state's version. Absent: the
   * process's clock (systemPartnerClock).
   */
  createClient(connection: ResolvedConnection<S>, http: typeof fetch, clock?: PartnerClock): PartnerClient;
  /** The schedule partner calls retry on (webhook fetches and reconciliation pages): DEFAULT_PARTNER_RETRY unless the settings override it. */
  retrySettings(settings: S): RetrySettings;
  /** How long one partner HTTP call may take; undefined = the activity's default timeout governs. */
  httpTimeoutMs(settings: S): number | undefined;
}
