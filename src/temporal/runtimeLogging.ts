// Routes the Temporal SDK's own logs (worker lifecycle, workflow `log` calls)
// into pino, so one process writes one structured stream. Installed once per
// process, before the first worker; later calls are no-ops.
import { DefaultLogger, type LogEntry, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from '../infra/log';

let installed = false;

const LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

/**
 * `metricsPort` turns on the SDK's Prometheus exporter on 127.0.0.1 (the worker's
 * /metrics merges it). It is set here because the Runtime is installed once per
 * process: the first worker's options win.
 */
export function installTemporalLogging(
  log: Logger,
  opts: { metricsPort?: number; metricsNaming?: 'temporal' | 'prometheus' } = {},
): void {
  if (installed) return;
  installed = true;
  const level = LEVELS[log.level] ?? 'INFO';
  Runtime.install({
    ...(opts.metricsPort
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: { bindAddress: `127.0.0.1:${opts.metricsPort}`, ...sdkMetricNaming(opts.metricsNaming) },
            },
          },
        }
      : {}),
    logger: new DefaultLogger(level, (entry) => forwardSdkLog(log, entry)),
  });
}

/** One SDK log entry into pino, at its level, with `event: temporal.log`. */
export function forwardSdkLog(log: Logger, entry: LogEntry): void {
  const { message, meta } = entry;
  const fields = { event: 'temporal.log', ...(meta ?? {}) };
  const method =
    entry.level === 'TRACE'
      ? 'trace'
      : entry.level === 'DEBUG'
        ? 'debug'
        : entry.level === 'WARN'
          ? 'warn'
          : entry.level === 'ERROR'
            ? 'error'
            : 'info';
  // The bundler logs webpack's whole multi-line report as one info message: its first line at
  // info, the report at debug, so a worker's start-up reads as a few lines.
  const firstBreak = message.indexOf('\n');
  if (firstBreak >= 0 && method === 'info') {
    log.info({ ...fields, lines: message.split('\n').length }, message.slice(0, firstBreak));
    log.debug({ ...fields, report: message }, 'full report');
    return;
  }
  log[method](fields, message);
}

/**
 * How the SDK names its metrics. `temporal` (the default) keeps the SDK's own
 * names: counters without `_total`, durations in milliseconds without a unit
 * suffix (`temporal_request`, `temporal_activity_schedule_to_start_latency_bucket`),
 * which is what Temporal's published Grafana dashboard for Core-based SDKs
 * (temporalio/dashboards, sdk/temporal-core-sdks-otel.json) queries. `prometheus`
 * follows Prometheus conventions (`temporal_request_total`,
 * `..._latency_seconds_bucket`) for teams whose tooling expects them; that
 * dashboard then needs its queries renamed.
 */
export function sdkMetricNaming(naming: 'temporal' | 'prometheus' = 'temporal') {
  const conventional = naming === 'prometheus';
  return { countersTotalSuffix: conventional, unitSuffix: conventional, useSecondsForDurations: conventional };
}
