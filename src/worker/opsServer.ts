// The worker's own small HTTP server, for the orchestrator and Prometheus:
// /healthz (the process answers), /readyz (503 with the reason unless every
// readiness check passes) and /metrics (this process's registry, plus the
// Temporal SDK's worker metrics when its exporter is on). Nothing else.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { healthRouter } from '../api/health';
import type { Logger } from '../infra/log';
import { metricsHandler } from '../metrics/httpMetrics';
import type { Metrics } from '../metrics/metricsRegistry';

/** The SDK exporter is local; a slow one must not stall the scrape of ours. */
const SDK_SCRAPE_TIMEOUT_MS = 1_000;

export interface OpsServerOptions {
  host: string;
  port: number;
  log: Logger;
  metrics: Metrics;
  ready: () => Promise<void>;
  /** Port of the Temporal SDK's Prometheus exporter on 127.0.0.1, merged into /metrics. */
  sdkMetricsPort?: number;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

export function sdkMetricsText(port: number | undefined, log: Logger): (() => Promise<string>) | undefined {
  if (!port) return undefined;
  return async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
        signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS),
      });
      return res.ok ? await res.text() : '';
    } catch (err) {
      log.warn(
        { event: 'metrics.sdk_scrape_failed', reason: (err as Error).message },
        'Temporal SDK metrics unavailable',
      );
      return '';
    }
  };
}

export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRouter(opts.ready));
  app.get('/metrics', metricsHandler(opts.metrics.registry, sdkMetricsText(opts.sdkMetricsPort, opts.log)));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  opts.log.info({ event: 'worker.ops_listening', url }, 'worker metrics and health listening');
  return {
    url,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}
