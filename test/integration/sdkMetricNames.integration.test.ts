// The Temporal SDK's metrics on the worker's /metrics, in both namings
// (docs/operations.md): the SDK's own names by default, which Temporal's
// published Core-SDK dashboard queries, or Prometheus conventions on request.
// Each worker is its own process: the SDK's exporter is installed once per process.
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { parseEnv } from '../../src/config';
import { freePort } from '../../dev/support/ports';
import { scrape } from '../support/metrics';
import { spawnWorker, type SynclineProcess } from '../support/synclineProcess';
import { waitFor } from '../support/wait';

let worker: SynclineProcess | undefined;
afterEach(async () => {
  await worker?.kill('SIGTERM');
  worker = undefined;
});

async function sdkMetricNames(naming: 'temporal' | 'prometheus'): Promise<Set<string>> {
  const env = parseEnv({
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `sdk-names-${crypto.randomBytes(3).toString('hex')}`,
    ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    DATA_DIR: inject('runDir'),
  });
  const opsPort = await freePort();
  worker = spawnWorker(env, {
    WORKER_METRICS_PORT: String(opsPort),
    TEMPORAL_METRICS_PORT: String(await freePort()),
    TEMPORAL_METRICS_NAMING: naming,
  });
  // Pollers report as soon as the worker runs; a request latency histogram follows its first RPCs.
  const { samples } = await waitFor(
    'the SDK metrics to include a request counter and a latency histogram',
    async () => {
      const got = await scrape(`http://127.0.0.1:${opsPort}`);
      const names = got.samples.map((s) => s.name);
      return names.some((n) => n.startsWith('temporal_request')) &&
        names.some((n) => n.endsWith('_bucket') && n.startsWith('temporal_'))
        ? got
        : undefined;
    },
    60_000,
  );
  return new Set(samples.map((s) => s.name).filter((n) => n.startsWith('temporal_')));
}

describe('Temporal SDK metric names', () => {
  it('are the SDK’s own by default: counters without _total, durations in milliseconds without a unit suffix', async () => {
    const names = await sdkMetricNames('temporal');
    expect(names.has('temporal_request')).toBe(true);
    expect(names.has('temporal_request_latency_bucket')).toBe(true);
    expect([...names].filter((n) => n.endsWith('_total') || n.includes('_seconds'))).toEqual([]);
  });

  it('follow Prometheus conventions when asked: _total counters and durations in seconds', async () => {
    const names = await sdkMetricNames('prometheus');
    expect(names.has('temporal_request_total')).toBe(true);
    expect(names.has('temporal_request_latency_seconds_bucket')).toBe(true);
    expect(names.has('temporal_request')).toBe(false);
  });
});
