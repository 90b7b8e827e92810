// A process's tracing: the OpenTelemetry Node SDK registered as the global
// tracer provider (with the W3C trace-context propagator the Temporal
// interceptors inject into and extract from Temporal headers), and the span
// processor that workflow spans reach through the worker's `exporter` sink.
//
// One per process, started before the API or worker and shut down after them
// (shutdown flushes what is still batched). `undefined` everywhere else means
// tracing is off: no SDK, no interceptors, no wrappers, nothing on the hot path.
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetector, Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Env } from '../config';
import { type TracingSettings, tracingSettings } from './settings';

export interface Tracing {
  /** Receives every finished span, workflow spans included (they arrive through the worker's sink). */
  processor: SpanProcessor;
  /** service.name and friends, also stamped on workflow spans. */
  resource: Resource;
  /** Flushes batched spans and unregisters the SDK. */
  shutdown(): Promise<void>;
}

function exporterFor(settings: TracingSettings): SpanExporter {
  if (settings.exporter === 'console') return new ConsoleSpanExporter();
  return settings.protocol === 'http/json'
    ? new OtlpJsonExporter({ url: settings.url })
    : new OtlpProtoExporter({ url: settings.url });
}

/** The process's tracing as the environment configures it; undefined = off (the default). */
export function tracingFromEnv(env: Env, defaultServiceName: string): Tracing | undefined {
  const settings = tracingSettings(env, defaultServiceName);
  return settings ? startTracing(settings) : undefined;
}

/** Where spans go, for the start-up log line. */
export function tracingTarget(env: Env, defaultServiceName: string): string {
  const s = tracingSettings(env, defaultServiceName);
  if (!s) return 'off';
  return s.exporter === 'console' ? `console as ${s.serviceName}` : `${s.url} (${s.protocol}) as ${s.serviceName}`;
}

/** Tracing as configured by the environment (src/tracing/settings.ts). */
export function startTracing(settings: TracingSettings): Tracing {
  return startTracingWith(new BatchSpanProcessor(exporterFor(settings)), settings.serviceName);
}

/** Tracing into a given processor: tests hand in an in-memory exporter behind a SimpleSpanProcessor. */
export function startTracingWith(processor: SpanProcessor, serviceName: string): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: serviceName });
  const sdk = new NodeSDK({
    resource,
    // OTEL_RESOURCE_ATTRIBUTES only: the host and process detectors would add command lines to every span.
    resourceDetectors: [envDetector],
    spanProcessors: [processor],
    // Traces only; logs and metrics have their own pipelines (pino, Prometheus).
    logRecordProcessors: [],
  });
  sdk.start();
  return { processor, resource, shutdown: () => sdk.shutdown() };
}
