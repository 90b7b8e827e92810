// The stripe connector's reading of settings and deliveries, without a network.
import { describe, expect, it } from 'vitest';
import { getConnector } from '../../src/connectors/connectorRegistry';

const stripe = getConnector('stripe');

describe('stripe connector settings and deliveries', () => {
  it('refuses an object type with no API path when the connection is saved, and names the fix', () => {
    const r = stripe.settingsSchema.safeParse({ objectTypes: ['customer', 'balance_transaction'] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('unknown Stripe object type \\"balance_transaction\\"');
    expect(JSON.stringify(r.error?.issues)).toContain('settings.paths');
  });

  it('accepts a type the connection adds a path for', () => {
    const s = stripe.settingsSchema.parse({
      objectTypes: ['customer', 'balance_transaction'],
      paths: { balance_transaction: '/v1/balance_transactions' },
    });
    expect(s).toMatchObject({ objectTypes: ['customer', 'balance_transaction'] });
  });

  it('syncs the seven types of issue 14 by default and verifies the Stripe signature scheme', () => {
    const s = stripe.settingsSchema.parse({});
    expect(s).toMatchObject({
      objectTypes: ['customer', 'charge', 'invoice', 'payment_intent', 'subscription', 'product', 'price'],
    });
    expect(stripe.signature(s)).toEqual({ scheme: 'stripe' });
  });

  it('reads the event id, type and object from a Stripe event, with no version', () => {
    const body = {
      id: 'evt_1',
      object: 'event',
      type: 'customer.updated',
      data: { object: { id: 'cus_1', object: 'customer' } },
    };
    expect(stripe.readDelivery({ headers: {}, body }, stripe.settingsSchema.parse({}))).toEqual({
      eventId: 'evt_1',
      eventType: 'customer.updated',
      objectType: 'customer',
      objectId: 'cus_1',
      objectVersion: null,
    });
  });

  it('says which events are deletes', () => {
    const s = stripe.settingsSchema.parse({});
    expect(stripe.isDeleteEvent?.('product.deleted', s)).toBe(true);
    expect(stripe.isDeleteEvent?.('product.created', s)).toBe(false);
  });
});
