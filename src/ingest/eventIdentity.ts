// Bounds on a delivery's identity, applied before anything is started or stored.
// An event id is a key of the unique (connection_id, event_id) btree index, whose
// entries must stay under about 2.7 KB: a longer id is replaced by its SHA-256
// (deterministic, so re-deliveries still deduplicate). Object ids and types key
// sync_records the same way and name the object at the partner, so one over its
// bound is a malformed delivery (400), not something to cut.
import crypto from 'node:crypto';
import type { DeliveryInfo } from '../connectors/types';
import { MalformedDeliveryError } from '../errors/ingestErrors';

export const EVENT_ID_MAX_BYTES = 255;
export const OBJECT_ID_MAX_BYTES = 1024;
export const OBJECT_TYPE_MAX_BYTES = 255;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function boundedEventId(eventId: string): string {
  if (bytes(eventId) <= EVENT_ID_MAX_BYTES) return eventId;
  return `sha256:${crypto.createHash('sha256').update(eventId).digest('hex')}`;
}

export function boundIdentity<T extends DeliveryInfo>(info: T): T {
  if (bytes(info.objectId) > OBJECT_ID_MAX_BYTES)
    throw new MalformedDeliveryError(`object id is over ${OBJECT_ID_MAX_BYTES} bytes`);
  if (bytes(info.objectType) > OBJECT_TYPE_MAX_BYTES)
    throw new MalformedDeliveryError(`object type is over ${OBJECT_TYPE_MAX_BYTES} bytes`);
  return { ...info, eventId: boundedEventId(info.eventId) };
}
