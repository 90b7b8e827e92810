// The one place that reads process.env. Parsed once at start-up with zod; a bad
// value stops the process with the full list of problems rather than failing
// later in the middle of a delivery.
import path from 'node:path';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1');
const httpUrl = z
  .string()
  .url()
  .regex(/^https?:\/\//i, 'must be an http:// or https:// URL');
const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** API and worker: log lines are written in batches of this many bytes (and every 200 ms); 0 = one write per line. */
  LOG_BUFFER_BYTES: int(4096),
  /** `auto`: readable lines when stdout is a terminal, JSON otherwise; `json` or `pretty` force one. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  DATA_DIR: z.string().default('.data'),

  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: int(10),
  DATABASE_STATEMENT_TIMEOUT_MS: int(5_000),
  EMBEDDED_PG_PORT: int(54329),

  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('syncline'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_UI_URL: z.string().url().optional(),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_DEV_PORT: int(7233),
  TEMPORAL_DEV_UI_PORT: int(8233),

  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: int(3000),
  /** The API's ops listener (/readyz, /metrics, /admin): keep it off the public network. */
  API_OPS_HOST: z.string().default('127.0.0.1'),
  /** Unset = API_PORT + 1; 0 = any free port. */
  API_OPS_PORT: z.coerce.number().int().nonnegative().optional(),
  PUBLIC_BASE_URL: z.string().url().optional(),
  WEBHOOK_BODY_LIMIT_BYTES: int(1024 * 1024),
  PAYLOAD_INLINE_MAX_BYTES: int(128 * 1024),
  ACK_TIMEOUT_MS: int(4_000),
  RETRY_AFTER_SEC: int(30),
  CONNECTION_CACHE_TTL_MS: int(30_000),
  /** Connections a process keeps resolved at most, least recently used out first (also bounded by bytes: connectionCache.ts); 0 = none. */
  CONNECTION_CACHE_MAX_ENTRIES: int(50_000),
  /** Deliveries a second one connection may send to one API process (429 + Retry-After beyond); 0 = no limit. */
  WEBHOOK_RATE_LIMIT_PER_SEC: int(500),
  /** How many deliveries above the rate a connection may send at once. */
  WEBHOOK_RATE_LIMIT_BURST: int(1_000),
  /** GitHub/Shopify/HMAC (body-only signatures): the same body under a new event id within this window is a duplicate; 0 = off. */
  WEBHOOK_REPLAY_WINDOW_SEC: int(600),

  /** Past the admission limit: `overflow` (inbox row, 202), `shed` (503 + Retry-After) or `none` (no limit). docs/operations.md says when each fits. */
  OVERLOAD_MODE: z.enum(['none', 'shed', 'overflow']).default('overflow'),
  /** Workflow starts one API process lets be in flight at first; adaptive between the min and max below. */
  ADMISSION_INITIAL_LIMIT: int(16),
  ADMISSION_MIN_LIMIT: z.coerce.number().int().positive().default(2),
  ADMISSION_MAX_LIMIT: z.coerce.number().int().positive().default(256),
  /** A relay keeps the inbox rows it claimed this long; one that dies lets them go after it. */
  INBOX_RELAY_LEASE_MS: int(30_000),
  /** How often an idle relay looks for inbox rows. */
  INBOX_RELAY_IDLE_MS: int(1_000),
  /** Inbox rows a relay claims at once, at most. */
  INBOX_RELAY_BATCH: z.coerce.number().int().positive().default(32),
  /** A relayed start's deadline: no partner waits on it, so it may outlast ACK_TIMEOUT_MS; keep it under the lease. */
  INBOX_RELAY_START_TIMEOUT_MS: int(10_000),

  ENCRYPTION_KEY: z.string().optional(),
  ENCRYPTION_KEYS_PREVIOUS: z.string().default(''),
  /** Encrypt every Temporal payload (AES-256-GCM, a key derived from ENCRYPTION_KEY); unset = on when ENCRYPTION_KEY is set (always in production). false only stops encrypting: encrypted payloads still decode. */
  TEMPORAL_PAYLOAD_ENCRYPTION: bool.optional(),
  /** Bearer token of the codec server (/codec/encode, /codec/decode on the ops port); unset = ADMIN_TOKEN; neither = codec server off. */
  CODEC_TOKEN: z.string().min(16, 'CODEC_TOKEN must be at least 16 characters').optional(),
  /** Origins (comma-separated) whose pages may call the codec server: the Temporal Web UI's; unset = TEMPORAL_UI_URL's origin. */
  CODEC_CORS_ORIGINS: z.string().optional(),
  SEED_FILE: z.string().optional(),
  /** Quickstart only: run the partner simulator the dev seed's connections point at. */
  START_SIMULATOR: bool.default(true),
  SIMULATOR_PORT: int(4010),
  SIMULATOR_API_KEY: z.string().default('sim_api_key'),
  /** Alerts (parked events, failing reconciliation) are POSTed here as Slack-compatible JSON. */
  ALERT_WEBHOOK_URL: z.string().url().optional(),
  ALERT_GROUP_WINDOW_MS: int(5 * 60_000),
  ALERT_FLUSH_INTERVAL_MS: int(30_000),
  /** The product's notification endpoint (docs/notifications.md); a connection's `settings.notifications.url` overrides it. Unset and no override: no notifications. */
  PRODUCT_WEBHOOK_URL: z.string().url().optional(),
  /** Standard Webhooks secret (`whsec_<base64>`) that signs notifications; a connection's `credentials.notificationSecret` overrides it. */
  PRODUCT_WEBHOOK_SECRET: z.string().optional(),
  /** Changes of one connection within this window go out as one notification. */
  NOTIFY_BATCH_WINDOW_MS: int(1_000),
  /** At most this many changes per notification; a larger backlog is sent as several, back to back. */
  NOTIFY_BATCH_MAX_CHANGES: int(100),
  /** The product must answer a notification within this. */
  NOTIFY_TIMEOUT_MS: int(10_000),
  /** Delivery retry schedule of one batch (Temporal activity retry): first delay, cap, attempts; then the notifier parks and alerts. */
  NOTIFY_RETRY_INITIAL_MS: int(1_000),
  NOTIFY_RETRY_MAX_INTERVAL_MS: int(5 * 60_000),
  NOTIFY_RETRY_MAX_ATTEMPTS: int(10),
  /** A parked notifier tries the endpoint once this often (recovery without an operator). */
  NOTIFY_PARK_PROBE_MS: int(10 * 60_000),
  /** The dispatcher also looks for connections with undelivered changes this often (a missed NOTIFY is caught here); 0 = never. */
  NOTIFY_SWEEP_INTERVAL_MS: int(5 * 60_000),
  /** Bearer token for the admin API; unset = admin API off (answers 404). */
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  /**
   * Keys of the product's records API (comma-separated, so a key can be rotated: add the new one,
   * move the product, drop the old); separate from ADMIN_TOKEN. Unset = records API off (404).
   */
  PRODUCT_API_KEYS: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k.length > 0),
    )
    .refine((keys) => keys.every((k) => k.length >= 16), 'each PRODUCT_API_KEYS key must be at least 16 characters'),
  /** Prebuilt workflow bundle (npm run build:workflows); unset = bundle at worker start. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  /** Worker processes create or update the reconciliation health-check and event-retention schedules at start. */
  WORKER_MAINTENANCE_SCHEDULES: bool.default(true),
  /** The worker's own HTTP server: /metrics, /healthz, /readyz. 0 = any free port (tests). */
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  WORKER_METRICS_PORT: int(9464),
  /** The Temporal SDK's Prometheus exporter, bound on 127.0.0.1 and merged into the worker's /metrics; 0 = off. */
  TEMPORAL_METRICS_PORT: int(0),
  /** `temporal`: the SDK's own metric names (what Temporal's published SDK dashboard queries); `prometheus`: `_total` counters and seconds. */
  TEMPORAL_METRICS_NAMING: z.enum(['temporal', 'prometheus']).default('temporal'),
  /** Each /readyz dependency check (database, migrations, Temporal) must answer within this. */
  READINESS_TIMEOUT_MS: int(2_000),
  /** A /readyz answer is reused this long (and concurrent probes share one evaluation). */
  READINESS_CACHE_MS: int(1_000),
  /** Finished event rows (processed, skipped, superseded) are deleted this many days after they finished, daily; 0 = kept forever. Keep it above the Temporal namespace's retention. */
  EVENT_RETENTION_DAYS: int(30),
  /**
   * Tracing (OpenTelemetry, standard variable names; src/tracing/settings.ts decides). Off unless
   * OTEL_TRACES_EXPORTER is `otlp` or `console`, or an OTLP endpoint is set with the exporter unset.
   */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  /** `grpc` is not shipped: Jaeger and the Collector take OTLP over HTTP on 4318. */
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(['http/protobuf', 'http/json']).optional(),
  /** Unset: syncline-api, syncline-worker or syncline (the quickstart), by process. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_SDK_DISABLED: bool.default(false),
  /** How long an API or worker keeps trying to reach PostgreSQL and Temporal at start-up (0 = exit at the first failure). */
  STARTUP_WAIT_MS: int(300_000),
});

export type Env = z.infer<typeof schema>;

/** Every environment variable syncline reads (docs/operations.md documents each; a unit test checks). */
export const ENV_VARS: readonly string[] = Object.keys(schema.shape);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseEnv(env: NodeJS.ProcessEnv = process.env): Env {
  // `FOO=` in a shell or compose file means "not set", not "set to nothing".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  // Production never falls back to a local or embedded PostgreSQL: the data would live somewhere nobody backs up.
  if (result.data.NODE_ENV === 'production' && !result.data.DATABASE_URL)
    throw new ConfigError(
      'invalid configuration:\n  DATABASE_URL: required when NODE_ENV=production (no embedded PostgreSQL)',
    );
  return result.data;
}

export function dataDir(env: Env): string {
  return path.resolve(env.DATA_DIR);
}
