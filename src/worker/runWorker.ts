// Starts a worker on top of an open Runtime: syncline's workflows and
// activities with real dependencies, its ops server (/metrics, /healthz,
// /readyz), the alert-summary flusher and, when asked, the maintenance
// schedules. `stop()` drains before it resolves.
import { systemPartnerClock } from '../connectors/observedVersion';
import { Client, Connection } from '@temporalio/client';
import type { Alert } from '../alerts/types';
import { WebhookAlerter } from '../alerts/webhookAlerter';
import { checkpointAges, parkedCounts } from '../metrics/activityMetrics';
import { notifyDepsFromEnv } from '../notifications/notifyConfig';
import { startDispatcher } from '../notifier/dispatcher';
import { ScheduleManager } from '../reconcile/schedules';
import { AlertGroups } from '../store/alertGroups';
import { cachedReadiness, databaseProbe, readiness, temporalProbe } from '../system/readiness';
import { processMetrics, type Running, type Runtime } from '../system/runtime';
import { temporalDataConverter } from '../temporal/dataConverter';
import { connectWorker, connectionOptions, type TemporalTarget } from '../temporal/connection';
import { ensureSearchAttributes } from '../temporal/registerSearchAttributes';
import { installTemporalLogging } from '../temporal/runtimeLogging';
import { clientTracingInterceptors } from '../tracing/temporalTracing';
import { tracedFetch } from '../tracing/httpSpans';
import { createWorker } from './createWorker';
import { startOpsServer } from './opsServer';

export interface WorkerRunOptions {
  workflowBundlePath?: string;
  /** See WorkerOptions.buildId (src/worker/createWorker.ts): null only for a bundle of older workflow code. */
  buildId?: string | null;
  taskQueue?: string;
  /** Temporal Web UI base for links in alerts (TEMPORAL_UI_URL wins). */
  uiUrl?: string;
  /** Port of the worker's /metrics, /healthz, /readyz server (WORKER_METRICS_PORT wins when unset; 0 = any free port); null = none (the quickstart serves metrics on the API). */
  opsPort?: number | null;
  /**
   * Create or update the reconciliation health-check and event-retention schedules for this task
   * queue at start. Worker processes do, so a deployment has them without a manual
   * `syncline reconcile sync`; tests sharing one Temporal server do not.
   */
  maintenanceSchedules?: boolean;
  /**
   * Run the notification dispatcher (src/notifier/dispatcher.ts) for this task queue: PostgreSQL
   * NOTIFYs become wake signals of the connections' notifier workflows. One process per task queue
   * is active at a time. Worker processes do; tests sharing one database opt in.
   */
  notifyDispatcher?: boolean;
}

export interface RunningWorker extends Running {
  alerter: WebhookAlerter;
  /** Base URL of the worker's ops server, when it runs one. */
  opsUrl?: string;
}

export async function runWorker(
  rt: Runtime,
  target: TemporalTarget,
  opts: WorkerRunOptions = {},
): Promise<RunningWorker> {
  const env = rt.env;
  installTemporalLogging(rt.log, {
    metricsPort: env.TEMPORAL_METRICS_PORT,
    metricsNaming: env.TEMPORAL_METRICS_NAMING,
  });
  // Start-up may be tried again (startWhenReachable), so a failed attempt closes what it opened.
  const connection = await connectWorker(target);
  const clientConnection = await Connection.connect(connectionOptions(target)).catch(async (err: unknown) => {
    await connection.close();
    throw err;
  });
  let alerter: WebhookAlerter;
  let worker: Awaited<ReturnType<typeof createWorker>>;
  const dataConverter = temporalDataConverter(rt.codec);
  const temporal = new Client({
    connection: clientConnection,
    namespace: target.namespace,
    dataConverter,
    interceptors: clientTracingInterceptors(rt.tracing),
  });
  try {
    // Self-hosted clusters need syncline's search attributes before the first event workflow starts.
    await ensureSearchAttributes(temporal, target.namespace, rt.log);
    alerter = new WebhookAlerter({
      groups: new AlertGroups<Alert>(rt.db, env.ALERT_GROUP_WINDOW_MS),
      log: rt.log,
      url: env.ALERT_WEBHOOK_URL,
    });
    worker = await createWorker({
      connection,
      namespace: target.namespace,
      taskQueue: opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE,
      deps: {
        db: rt.db,
        connections: rt.connections,
        box: rt.box,
        http: rt.tracing ? tracedFetch(fetch) : fetch,
        partnerClock: systemPartnerClock,
        alerter,
        temporal,
        links: { uiUrl: env.TEMPORAL_UI_URL ?? opts.uiUrl, namespace: target.namespace },
        metrics: rt.metrics,
        eventRetentionDays: env.EVENT_RETENTION_DAYS,
        notify: notifyDepsFromEnv(env),
      },
      workflowBundlePath: opts.workflowBundlePath,
      buildId: opts.buildId,
      tracing: rt.tracing,
      dataConverter,
    });
  } catch (err) {
    await Promise.allSettled([connection.close(), clientConnection.close()]);
    throw err;
  }
  const running = worker.run();
  if (opts.maintenanceSchedules)
    await ensureMaintenanceSchedules(temporal, rt, opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE);
  const dispatcher = opts.notifyDispatcher
    ? startDispatcher({
        env,
        databaseUrl: rt.database.url,
        db: rt.db,
        connections: rt.connections,
        temporal,
        taskQueue: opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE,
        log: rt.log,
      })
    : undefined;
  rt.metrics.setCheckpointAgeSource(checkpointAges(rt.db));
  rt.metrics.setParkedCountSource(parkedCounts(rt.db));
  const probe = temporalProbe(target, env.READINESS_TIMEOUT_MS);
  const ops =
    opts.opsPort === null
      ? undefined
      : await startOpsServer({
          host: env.WORKER_METRICS_HOST,
          port: opts.opsPort ?? env.WORKER_METRICS_PORT,
          log: rt.log,
          metrics: processMetrics(rt),
          sdkMetricsPort: env.TEMPORAL_METRICS_PORT,
          ready: cachedReadiness(
            readiness(
              [
                {
                  name: 'worker',
                  run: async () => {
                    if (worker.getState() !== 'RUNNING') throw new Error(`worker is ${worker.getState()}`);
                  },
                },
                databaseProbe(rt.db),
                probe,
              ],
              env.READINESS_TIMEOUT_MS,
            ),
            env.READINESS_CACHE_MS,
          ),
        });
  // Grouped alerts are summarised when their window closes; any worker may do it (rows are claimed).
  const flusher = setInterval(() => {
    alerter
      .flush()
      .catch((err: Error) =>
        rt.log.error({ event: 'alert.flush_failed', reason: err.message }, 'alert summary failed'),
      );
  }, env.ALERT_FLUSH_INTERVAL_MS);
  flusher.unref();
  rt.log.info({ event: 'worker.started', taskQueue: opts.taskQueue ?? env.TEMPORAL_TASK_QUEUE }, 'worker started');
  return {
    alerter,
    opsUrl: ops?.url,
    async stop() {
      clearInterval(flusher);
      await dispatcher?.stop();
      await ops?.close();
      await probe.close();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
    },
  };
}

const MAINTENANCE_SCHEDULES_DEADLINE_MS = 15_000;

/** Idempotent (one describe each when nothing changed); a failure is logged, never fatal: `syncline reconcile sync` converges later. */
async function ensureMaintenanceSchedules(client: Client, rt: Runtime, taskQueue: string): Promise<void> {
  const schedules = new ScheduleManager(client, rt.db, rt.connections, taskQueue, rt.log);
  try {
    // A deadline: a Temporal that answers slowly must not hold the worker's start-up (and its shutdown hooks).
    const changes = await client.withDeadline(Date.now() + MAINTENANCE_SCHEDULES_DEADLINE_MS, () =>
      schedules.ensureMaintenanceSchedules(),
    );
    rt.log.info({ event: 'worker.schedules', ...changes }, 'maintenance schedules in place');
  } catch (err) {
    rt.log.warn(
      { event: 'worker.schedules_failed', reason: (err as Error).message },
      'could not ensure the maintenance schedules; run `syncline reconcile sync`',
    );
  }
}
