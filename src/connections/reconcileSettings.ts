// Reconciliation settings of a connection: `settings.reconcile` in the
// connection's JSON, the same for every connector (connector settings schemas
// only see their own keys). Defaults are named constants with units.
import { z } from 'zod';
import { InvalidReconcileSettingsError } from '../errors/connectionErrors';

export const DEFAULT_INTERVAL_MS = 6 * 3_600_000;
/** Polling-only connections have no fast path, so they are polled more often. */
export const DEFAULT_POLLING_ONLY_INTERVAL_MS = 15 * 60_000;
export const DEFAULT_FULL_DIFF_INTERVAL_MS = 24 * 3_600_000;
export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_CATCHUP_WINDOW_MS = 3_600_000;
/** Temporal refuses catch-up windows under 10 s. */
export const MIN_CATCHUP_WINDOW_MS = 10_000;
export const DEFAULT_MAX_DELETE_SHARE = 0.1;
export const DEFAULT_GUARD_MIN_DELETES = 5;
export const DEFAULT_CONFIRM_WAIT_MS = 24 * 3_600_000;
/** A full diff fetches at most this many listed-but-missing objects per run (the rest wait for the next run). */
export const DEFAULT_MAX_RESTORES_PER_RUN = 10_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_PAGES_PER_EXECUTION = 200;
/** Pages per activity call: spreads Temporal's per-call cost (~30 ms) over several pages. */
export const DEFAULT_PAGES_PER_ACTIVITY = 50;
export const DEFAULT_FAILURE_ALERT_RUNS = 3;

export const reconcileSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    intervalMs: z.number().int().min(1_000).optional(),
    catchupWindowMs: z.number().int().min(MIN_CATCHUP_WINDOW_MS).default(DEFAULT_CATCHUP_WINDOW_MS),
    pageSize: z.number().int().min(1).max(1_000).default(DEFAULT_PAGE_SIZE),
    /** The partner's limit for this account; pages are paced to stay under it. */
    requestsPerSecond: z.number().positive().nullable().default(null),
    heartbeatTimeoutMs: z.number().int().min(1_000).default(DEFAULT_HEARTBEAT_TIMEOUT_MS),
    maxPagesPerExecution: z.number().int().min(1).default(DEFAULT_MAX_PAGES_PER_EXECUTION),
    /** Pages one activity call pages through, each in its own transaction; 1 = one activity per page. */
    pagesPerActivity: z.number().int().min(1).max(1_000).default(DEFAULT_PAGES_PER_ACTIVITY),
    /** Alert when no page succeeded for this long; default three intervals. */
    checkpointMaxAgeMs: z.number().int().positive().optional(),
    /** Alert when this many runs in a row failed. */
    failureAlertRuns: z.number().int().min(1).default(DEFAULT_FAILURE_ALERT_RUNS),
    fullDiff: z
      .object({
        enabled: z.boolean().default(true),
        intervalMs: z.number().int().min(1_000).default(DEFAULT_FULL_DIFF_INTERVAL_MS),
        /** Deleting more than this share of live records needs an operator's confirmation. */
        maxDeleteShare: z.number().min(0).max(1).default(DEFAULT_MAX_DELETE_SHARE),
        /** Below this many deletions the guard never blocks (tiny connections). */
        guardMinDeletes: z.number().int().min(0).default(DEFAULT_GUARD_MIN_DELETES),
        confirmWaitMs: z.number().int().min(1_000).default(DEFAULT_CONFIRM_WAIT_MS),
        /** Fetch and apply objects the partner lists but this copy lacks (or holds as deleted). */
        restoreMissing: z.boolean().default(true),
        maxRestoresPerRun: z.number().int().min(0).default(DEFAULT_MAX_RESTORES_PER_RUN),
      })
      .prefault({}),
  })
  .prefault({});

export type ReconcileSettings = z.infer<typeof reconcileSettingsSchema> & {
  intervalMs: number;
  checkpointMaxAgeMs: number;
};

/** `pollingOnly`: the connector has no webhooks for this connection (shorter default interval). */
export function parseReconcileSettings(rawSettings: unknown, pollingOnly: boolean): ReconcileSettings {
  const raw =
    rawSettings && typeof rawSettings === 'object' ? (rawSettings as Record<string, unknown>).reconcile : undefined;
  const parsed = reconcileSettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new InvalidReconcileSettingsError(
      parsed.error.issues.map((i) => `reconcile.${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  const intervalMs = parsed.data.intervalMs ?? (pollingOnly ? DEFAULT_POLLING_ONLY_INTERVAL_MS : DEFAULT_INTERVAL_MS);
  return { ...parsed.data, intervalMs, checkpointMaxAgeMs: parsed.data.checkpointMaxAgeMs ?? 3 * intervalMs };
}
