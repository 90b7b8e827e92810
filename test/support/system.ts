// A whole syncline (runtime, worker, API) plus a simulated partner, started
// in-process against the run's real Temporal dev server and PostgreSQL. Each
// test file gets its own task queue and its own connection ids, so files can
// run side by side on the shared servers.
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { inject } from 'vitest';
import { parseEnv } from '../../src/config';
import { createLogger, type Logger } from '../../src/infra/log';
import { startPartnerSimulator, type PartnerSimulator, WebhookSender } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { runApi, type RunningApi } from '../../src/api/runApi';
import { runWorker, type RunningWorker } from '../../src/worker/runWorker';
import { openRuntime, type Runtime } from '../../src/system/runtime';
import { targetFromEnv } from '../../src/temporal/connection';

export const PARTNER_API_KEY = 'sim_test_key';
/** Links in alerts point here; the test dev server itself runs headless. */
export const TEST_UI_URL = 'http://127.0.0.1:8233';

export interface TestSystem {
  rt: Runtime;
  api: RunningApi;
  /** Absent when the test runs its workers as separate processes. */
  worker: RunningWorker | undefined;
  client: Client;
  partner: PartnerSimulator;
  prefix: string;
  addConnection(opts: ConnectionOpts): Promise<string>;
  sender(connectionId: string, signature: SignatureConfig, secret: string): WebhookSender;
  stop(): Promise<void>;
}

export interface ConnectionOpts {
  name: string;
  signature: SignatureConfig;
  secrets: string[];
  settings?: Record<string, unknown>;
  apiBaseUrl?: string;
  enabled?: boolean;
}

export function uniqueName(label: string): string {
  return `${label}-${crypto.randomBytes(3).toString('hex')}`;
}

export async function startTestSystem(
  label: string,
  overrides: Record<string, string> = {},
  opts: { inProcessWorker?: boolean; log?: Logger; notifyDispatcher?: boolean } = {},
): Promise<TestSystem> {
  const prefix = uniqueName(label);
  const env = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${prefix}`,
    ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    DATA_DIR: inject('runDir'),
    CONNECTION_CACHE_TTL_MS: '0',
    // The cluster project's frontend takes mutual TLS only (test/support/clusterSetup.ts).
    ...inject('temporalEnv'),
    ...overrides,
  });
  const log = opts.log ?? createLogger(env.LOG_LEVEL, prefix);
  const rt = await openRuntime(env, log);
  const target = targetFromEnv(env);
  const worker =
    opts.inProcessWorker === false
      ? undefined
      : await runWorker(rt, target, {
          workflowBundlePath: inject('workflowBundlePath'),
          uiUrl: TEST_UI_URL,
          opsPort: 0,
          notifyDispatcher: opts.notifyDispatcher,
        });
  const api = await runApi(rt, target, { port: 0, host: '127.0.0.1', uiUrl: TEST_UI_URL });
  const partner = await startPartnerSimulator({ apiKey: PARTNER_API_KEY, eventIdPrefix: prefix });

  return {
    rt,
    api,
    worker,
    client: api.client,
    partner,
    prefix,
    async addConnection(o) {
      const id = `${prefix}-${o.name}`;
      await rt.connections.upsert({
        id,
        connector: 'rest',
        enabled: o.enabled ?? true,
        apiBaseUrl: o.apiBaseUrl ?? partner.url,
        signingSecrets: o.secrets,
        credentials: { apiKey: PARTNER_API_KEY },
        settings: {
          signature: o.signature,
          retry: { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 5 },
          ...o.settings,
        },
      });
      return id;
    },
    sender(connectionId, signature, secret) {
      return new WebhookSender({ targetUrl: `${api.url}/webhooks/${connectionId}`, signature, secret });
    },
    async stop() {
      await partner.close();
      await api.stop();
      await worker?.stop();
      await rt.close();
    },
  };
}
