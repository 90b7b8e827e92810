// Builds the partner's webhook event for one change-log entry. Contract: event ids are
// unique per factory (instance prefix + counter), so building the same change twice yields
// two distinct events, as a partner re-announcing a change would. A byte-identical
// duplicate is a sender concern (WebhookSender.send on the same Delivery).

import { randomBytes } from 'node:crypto';
import type { ChangeAction, ChangeEntry, JsonValue } from './types';

export interface PartnerEventObject {
  type: string;
  id: string;
  version: number;
  deleted: boolean;
  [field: string]: JsonValue;
}

export interface PartnerEvent {
  id: string;
  type: `${string}.${ChangeAction}`;
  /** Unix seconds of the change this event announces. */
  created: number;
  data: { object: PartnerEventObject };
}

export interface EventFactoryOptions {
  /** Fixed prefix for deterministic ids; defaults to 8 random hex characters. */
  idPrefix?: string;
}

export class EventFactory {
  readonly idPrefix: string;
  private issued = 0;

  constructor(opts: EventFactoryOptions = {}) {
    this.idPrefix = opts.idPrefix ?? randomBytes(4).toString('hex');
  }

  fromChange(change: ChangeEntry): PartnerEvent {
    this.issued += 1;
    const { type, id, version, deleted, updatedAt, data } = change.object;
    return {
      id: `evt_${this.idPrefix}_${this.issued}`,
      type: `${type}.${change.action}`,
      created: Math.floor(Date.parse(updatedAt) / 1000),
      // Identity fields go last so a data field named "id" or "version" cannot mask them.
      data: { object: { ...structuredClone(data), type, id, version, deleted } },
    };
  }
}
