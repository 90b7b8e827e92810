// Whether this process traces, and where spans go, from the standard
// OpenTelemetry variables (parsed by src/config). Off by default: the OTel
// specification's default exporter is `otlp`, but a process that nobody
// pointed at a collector should not pay for spans nobody receives, so tracing
// needs OTEL_TRACES_EXPORTER=otlp|console, or an OTLP endpoint with the
// exporter left unset. OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none
// always wins.
import type { Env } from '../config';

export type TraceProtocol = 'http/protobuf' | 'http/json';

export type TracingSettings =
  | { exporter: 'otlp'; url: string; protocol: TraceProtocol; serviceName: string }
  | { exporter: 'console'; serviceName: string };

/** Where an OTLP/HTTP exporter sends spans with no endpoint configured (Jaeger all-in-one, the Collector). */
export const DEFAULT_OTLP_BASE_URL = 'http://localhost:4318';
const TRACES_PATH = '/v1/traces';

type TracingEnv = Pick<
  Env,
  | 'OTEL_TRACES_EXPORTER'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_PROTOCOL'
  | 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
  | 'OTEL_SERVICE_NAME'
  | 'OTEL_SDK_DISABLED'
>;

/** null = tracing off. `defaultServiceName` names the process when OTEL_SERVICE_NAME is unset. */
export function tracingSettings(env: TracingEnv, defaultServiceName: string): TracingSettings | null {
  if (env.OTEL_SDK_DISABLED || env.OTEL_TRACES_EXPORTER === 'none') return null;
  const endpointSet = Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const exporter = env.OTEL_TRACES_EXPORTER ?? (endpointSet ? 'otlp' : undefined);
  if (!exporter) return null;
  const serviceName = env.OTEL_SERVICE_NAME ?? defaultServiceName;
  if (exporter === 'console') return { exporter, serviceName };
  return {
    exporter,
    url: tracesUrl(env),
    protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL,
    serviceName,
  };
}

/** The signal-specific endpoint is used as given; the base endpoint gets /v1/traces appended (OTLP exporter spec). */
function tracesUrl(env: TracingEnv): string {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_OTLP_BASE_URL;
  return `${base.replace(/\/+$/, '')}${TRACES_PATH}`;
}
