// The `stripe` connector: Stripe webhooks (Stripe-Signature), object type and id
// from the event's `data.object`, the object's current state fetched from the
// Stripe API with the connection's secret key, and reconciliation over the
// list endpoints of the connection's types. Docs: docs/connectors/stripe.md.
//
// Reconciliation walks the list endpoints (`starting_after`, `has_more`) rather
// than the /v1/events feed: the feed keeps only 30 days, so a connection that
// was paused longer, or a first sync, could not be rebuilt from it; the lists
// hold every live object, and the version guard's fences make re-reading
// unchanged objects cost no writes. Deletions do not appear in lists: the
// nightly full diff (same walk, ids only) tombstones what Stripe no longer lists.
import { z } from 'zod';
import type { Connector, DeliveryInfo, Json, ObjectState, RawDelivery } from '../types';
import { getPath } from '../jsonPath';
import { systemPartnerClock } from '../observedVersion';
import { retryOverridesSchema } from '../connectorSettings';
import { DEFAULT_PARTNER_RETRY } from '../../contracts/processEventContract';
import { createStripeClient } from './stripeClient';
import { DEFAULT_STRIPE_TYPES, isStripeDeleteEvent, STRIPE_OBJECT_TYPES } from './stripeObjectTypes';
import { MalformedDeliveryError } from '../../errors/ingestErrors';

const settingsSchema = z
  .object({
    /** Stripe-Signature tolerance (default 300 s, Stripe's own). */
    signature: z.object({ toleranceSec: z.number().int().positive().optional() }).prefault({}),
    /** Types this connection syncs; reconciliation lists them in this order. Each needs a path. */
    objectTypes: z.array(z.string().min(1)).min(1).default(DEFAULT_STRIPE_TYPES),
    /** Extra or overridden type -> collection paths ("refund": "/v1/refunds"). */
    paths: z.record(z.string().regex(/^[a-z_]+$/), z.string().regex(/^\/v1\/[a-z_]+(\/[a-z_]+)*$/)).default({}),
    /** Stripe-Version sent with every request; default: the stripe library's pinned version. */
    apiVersion: z.string().min(1).optional(),
    timeoutMs: z.number().int().positive().default(10_000),
    retry: retryOverridesSchema,
  })
  .superRefine((s, ctx) => {
    for (const t of s.objectTypes) {
      if (!STRIPE_OBJECT_TYPES[t] && !s.paths[t]) {
        ctx.addIssue({
          code: 'custom',
          path: ['objectTypes'],
          message: `unknown Stripe object type "${t}": known are ${Object.keys(STRIPE_OBJECT_TYPES).join(', ')}; add others in settings.paths`,
        });
      }
    }
  });

export type StripeSettings = z.infer<typeof settingsSchema>;

function requireString(value: Json | undefined, what: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw new MalformedDeliveryError(`Stripe event has no ${what}`);
}

export const stripeConnector: Connector<StripeSettings> = {
  name: 'stripe',
  settingsSchema,
  signature: (s) => ({
    scheme: 'stripe',
    ...(s.signature.toleranceSec ? { toleranceSec: s.signature.toleranceSec } : {}),
  }),
  readDelivery(d: RawDelivery): DeliveryInfo {
    return {
      eventId: requireString(getPath(d.body, 'id'), 'id'),
      eventType: requireString(getPath(d.body, 'type'), 'type'),
      objectType: requireString(getPath(d.body, 'data.object.object'), 'data.object.object'),
      objectId: requireString(getPath(d.body, 'data.object.id'), 'data.object.id'),
      // Stripe objects have no version: states are versioned by their fetch's start (observedVersion.ts).
      objectVersion: null,
    };
  },
  isDeleteEvent: (eventType) => isStripeDeleteEvent(eventType),
  // An event's data.object is a snapshot from when the event was created, with no version to order it by.
  trustsPayload: () => false,
  stateFromPayload(): ObjectState {
    throw new MalformedDeliveryError('the stripe connector always fetches the object; it never trusts the payload');
  },
  retrySettings: (s) => ({ ...DEFAULT_PARTNER_RETRY, ...s.retry }),
  httpTimeoutMs: (s) => s.timeoutMs,
  createClient(conn, http, clock = systemPartnerClock) {
    const s = conn.settings;
    return createStripeClient(conn, http, clock, {
      collections: {
        ...STRIPE_OBJECT_TYPES,
        ...Object.fromEntries(Object.entries(s.paths).map(([t, path]) => [t, { path }])),
      },
      listTypes: s.objectTypes,
      apiVersion: s.apiVersion,
      timeoutMs: s.timeoutMs,
    });
  },
};
