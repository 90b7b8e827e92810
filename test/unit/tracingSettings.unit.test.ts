// Tracing is off unless configured the standard OpenTelemetry way, and then
// exports where the standard variables say (src/tracing/settings.ts, via src/config).
import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../src/config';
import { tracingSettings } from '../../src/tracing/settings';
import { statementName } from '../../src/tracing/dbSpans';

const settings = (vars: Record<string, string>) => tracingSettings(parseEnv(vars), 'syncline-api');

describe('tracing settings', () => {
  it('are off with no OTEL_ variables', () => {
    expect(settings({})).toBeNull();
  });

  it('turn on with an OTLP endpoint alone, sending protobuf to its /v1/traces', () => {
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toEqual({
      exporter: 'otlp',
      url: 'http://jaeger:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'syncline-api',
    });
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({
      url: 'http://collector:4318/v1/traces',
    });
  });

  it('use a traces endpoint as given, and it wins over the base endpoint', () => {
    expect(
      settings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom/traces',
      }),
    ).toMatchObject({ exporter: 'otlp', url: 'http://collector:4318/custom/traces' });
  });

  it('turn on with OTEL_TRACES_EXPORTER=otlp alone, to localhost:4318', () => {
    expect(settings({ OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ url: 'http://localhost:4318/v1/traces' });
  });

  it('take the protocol, the traces protocol first, and the service name', () => {
    expect(
      settings({
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'syncline-eu',
      }),
    ).toMatchObject({ protocol: 'http/json', serviceName: 'syncline-eu' });
    expect(
      settings({
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }),
    ).toMatchObject({ protocol: 'http/protobuf' });
  });

  it('export to the console when asked', () => {
    expect(settings({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({ exporter: 'console', serviceName: 'syncline-api' });
  });

  it('stay off with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true, endpoint or not', () => {
    expect(settings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBeNull();
    expect(settings({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBeNull();
  });

  it('refuse an unknown exporter, grpc, and an endpoint that is not a URL, naming the variable', () => {
    expect(() => parseEnv({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => parseEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' })).toThrow(ConfigError);
  });
});

describe('database span names', () => {
  it('name a statement by its verb and the table it writes or reads, never its values', () => {
    expect(statementName('UPDATE webhook_events SET status = ')).toEqual({
      name: 'UPDATE webhook_events',
      operation: 'UPDATE',
      table: 'webhook_events',
    });
    expect(statementName('\n  INSERT INTO sync_checkpoints (connection_id) VALUES (').name).toBe(
      'INSERT sync_checkpoints',
    );
    expect(statementName('WITH input AS (SELECT ?) INSERT INTO sync_records (a) SELECT').name).toBe(
      'WITH sync_records',
    );
    expect(statementName('SELECT status FROM webhook_events WHERE id = ').name).toBe('SELECT webhook_events');
    expect(statementName('').name).toBe('SQL');
  });
});
