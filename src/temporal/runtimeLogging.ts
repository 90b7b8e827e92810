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
export function installTemporalLogging(log: Logger, opts: { metricsPort?: number } = {}): void {
  if (installed) return;
  installed = true;
  const level = LEVELS[log.level] ?? 'INFO';
  Runtime.install({
    ...(opts.metricsPort
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${opts.metricsPort}` } } } }
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
