// Notification settings from the parsed environment, for the worker's
// activities (NotifyDeps) and for whoever starts notifier workflows (NotifyInput).
import type { Env } from '../config';
import type { NotifyInput } from '../contracts/notifyContract';
import type { NotifyGlobals } from './endpoint';

/** What the delivery activity needs besides the database: the global endpoint and secret, batch size, answer timeout. */
export interface NotifyDeps {
  globals: NotifyGlobals;
  batchMaxChanges: number;
  timeoutMs: number;
}

export function notifyDepsFromEnv(env: Env): NotifyDeps {
  return {
    globals: {
      url: env.PRODUCT_WEBHOOK_URL,
      secret: env.PRODUCT_WEBHOOK_SECRET,
      production: env.NODE_ENV === 'production',
    },
    batchMaxChanges: Math.max(1, env.NOTIFY_BATCH_MAX_CHANGES),
    timeoutMs: env.NOTIFY_TIMEOUT_MS,
  };
}

export function notifierInput(env: Env, connectionId: string): NotifyInput {
  return {
    connectionId,
    retry: {
      initialIntervalMs: Math.max(1, env.NOTIFY_RETRY_INITIAL_MS),
      maximumIntervalMs: Math.max(1, env.NOTIFY_RETRY_MAX_INTERVAL_MS),
      maximumAttempts: Math.max(1, env.NOTIFY_RETRY_MAX_ATTEMPTS),
    },
    parkProbeIntervalMs: Math.max(1_000, env.NOTIFY_PARK_PROBE_MS),
  };
}
