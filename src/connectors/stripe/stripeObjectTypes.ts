// Which Stripe object types syncline can fetch and list, and where: the
// `object` field of a Stripe object ("customer") -> its API collection
// ("/v1/customers"). Retrieve is `GET <path>/<id>`, list is `GET <path>` with
// `starting_after` / `has_more`. A connection can add types or override a path
// in `settings.paths` (the table is checked when the connection is saved).

export interface StripeCollection {
  path: string;
  /** Query parameters the list endpoint needs to list every object (subscriptions hide canceled ones by default). */
  listQuery?: Record<string, string>;
}

export const STRIPE_OBJECT_TYPES: Readonly<Record<string, StripeCollection>> = {
  customer: { path: '/v1/customers' },
  charge: { path: '/v1/charges' },
  invoice: { path: '/v1/invoices' },
  payment_intent: { path: '/v1/payment_intents' },
  subscription: { path: '/v1/subscriptions', listQuery: { status: 'all' } },
  product: { path: '/v1/products' },
  price: { path: '/v1/prices' },
  refund: { path: '/v1/refunds' },
  setup_intent: { path: '/v1/setup_intents' },
  payment_method: { path: '/v1/payment_methods' },
  coupon: { path: '/v1/coupons' },
  dispute: { path: '/v1/disputes' },
  payout: { path: '/v1/payouts' },
  plan: { path: '/v1/plans' },
  invoiceitem: { path: '/v1/invoiceitems' },
};

/** The default set a connection syncs (and lists when it reconciles): the types issue 14 names. */
export const DEFAULT_STRIPE_TYPES = [
  'customer',
  'charge',
  'invoice',
  'payment_intent',
  'subscription',
  'product',
  'price',
];

/** Stripe's delete events end in `.deleted` (customer.deleted, product.deleted, ...). */
export const isStripeDeleteEvent = (eventType: string): boolean => eventType.endsWith('.deleted');
