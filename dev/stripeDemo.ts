// The quickstart's Stripe demo: stripe-mock (Stripe's official API mock, built
// once into .tools/bin) behind a `stripe` connection, so a new user sees a real
// partner API synced: a first reconciliation run walks its list endpoints at
// start-up, and signed Stripe events to /webhooks/stripe-demo fetch from it.
// Optional by design: without the binary, or when anything here fails, the
// quickstart logs why and goes on without it.
import path from 'node:path';
import type { Logger } from '../src/infra/log';
import type { ReconcileService } from '../src/reconcile/reconcileService';
import type { Runtime } from '../src/system/runtime';
import { findStripeMock, startStripeMock } from './support/stripeMock';

export const STRIPE_DEMO_CONNECTION = 'stripe-demo';
/** Dev-only: the signing secret a local sender signs demo events with (never use it elsewhere). */
export const STRIPE_DEMO_SECRET = 'whsec_dev_only_stripe_mock_secret';

export interface StripeDemo {
  url: string;
  connectionId: string;
  stop(): Promise<void>;
}

export async function startStripeDemo(
  rt: Pick<Runtime, 'connections'>,
  reconcile: ReconcileService,
  log: Logger,
  root = path.resolve(__dirname, '..'),
): Promise<StripeDemo | null> {
  const binary = findStripeMock(root);
  if (!binary) {
    log.warn(
      { event: 'stripe_demo.skipped' },
      'stripe-mock is not built (scripts/ensure-stripe-mock.sh): no Stripe demo',
    );
    return null;
  }
  let mock: Awaited<ReturnType<typeof startStripeMock>> | undefined;
  try {
    mock = await startStripeMock(binary);
    await rt.connections.upsert({
      id: STRIPE_DEMO_CONNECTION,
      connector: 'stripe',
      displayName: 'Stripe demo: stripe-mock, Stripe’s official API mock',
      enabled: true,
      apiBaseUrl: mock.url,
      signingSecrets: [STRIPE_DEMO_SECRET],
      // stripe-mock accepts any key shaped like a test-mode secret key.
      credentials: { secretKey: 'sk_test_synclinedemo' },
      settings: {},
    });
    await reconcile.schedules.syncConnection(STRIPE_DEMO_CONNECTION);
    await reconcile.runNow(STRIPE_DEMO_CONNECTION, 'incremental');
    return { url: mock.url, connectionId: STRIPE_DEMO_CONNECTION, stop: mock.stop };
  } catch (err) {
    log.warn(
      { event: 'stripe_demo.failed', reason: (err as Error).message },
      'Stripe demo did not start; going on without it',
    );
    await mock?.stop().catch(() => undefined);
    return null;
  }
}
