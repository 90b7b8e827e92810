// /readyz on the API and on the worker turns unready (503 with the failing
// dependency as the reason) while PostgreSQL is unreachable or Temporal is
// down, and ready again once the dependency is back, with no restart. The
// database path runs through a TCP proxy the test cuts; Temporal is a dev
// server of this file's own, stopped and started on the same port and file.
// /readyz lives on the ops port only, and a flood of it costs at most the pool.
import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOwnTemporal, type OwnTemporal } from '../support/ownTemporal';
import { startTestSystem, type TestSystem } from '../support/system';
import { startTcpProxy, viaProxy, type TcpProxy } from '../../dev/support/tcpProxy';
import { waitFor } from '../support/wait';

interface Readiness {
  status: number;
  reason?: string;
}

async function readyz(baseUrl: string): Promise<Readiness> {
  const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, reason: body.reason };
}

/** Waits until both the API and the worker answer `status`; returns their answers. */
function bothAnswer(sys: TestSystem, status: number): Promise<{ api: Readiness; worker: Readiness }> {
  return waitFor(
    `API and worker /readyz to answer ${status}`,
    async () => {
      const [api, worker] = await Promise.all([readyz(sys.api.opsUrl), readyz(sys.worker!.opsUrl!)]);
      return api.status === status && worker.status === status ? { api, worker } : undefined;
    },
    60_000,
  );
}

describe('readiness during a database outage', () => {
  let proxy: TcpProxy;
  let sys: TestSystem;
  beforeAll(async () => {
    const direct = new URL(inject('databaseUrl'));
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    sys = await startTestSystem('ready-db', {
      DATABASE_URL: viaProxy(direct.toString(), proxy),
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      READINESS_TIMEOUT_MS: '2000',
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await sys?.stop();
    await proxy?.close();
  });

  it('turns the API and the worker unready while PostgreSQL is unreachable, and ready again after', async () => {
    await bothAnswer(sys, 200);

    proxy.cut();
    const down = await bothAnswer(sys, 503);
    expect(down.api.reason).toMatch(/^database: /);
    expect(down.worker.reason).toMatch(/^database: /);
    expect((await fetch(`${sys.api.url}/healthz`)).status).toBe(200);

    proxy.restore();
    await bothAnswer(sys, 200);
  });
});

describe('readiness during a Temporal outage', () => {
  let temporal: OwnTemporal | undefined;
  let sys: TestSystem;
  beforeAll(async () => {
    temporal = await startOwnTemporal('ready-temporal');
    sys = await startTestSystem('ready-temporal', { TEMPORAL_ADDRESS: temporal.address, READINESS_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    await sys?.stop();
    await temporal?.stop();
  });

  it('turns the API and the worker unready while Temporal is down, and ready again after it restarts', async () => {
    await bothAnswer(sys, 200);

    await temporal!.stop();
    const down = await bothAnswer(sys, 503);
    expect(down.api.reason).toMatch(/^temporal: /);
    expect(down.worker.reason).toMatch(/temporal: /);
    expect((await fetch(`${sys.api.url}/healthz`)).status).toBe(200);

    await temporal!.start();
    await bothAnswer(sys, 200);
  });
});

describe('readiness is served on the ops port only, and a flood of it is bounded', () => {
  const POOL_SIZE = 10;
  const appName = `readyz-flood-${crypto.randomBytes(3).toString('hex')}`;
  let sys: TestSystem;
  let watcher: pg.Client;
  beforeAll(async () => {
    // The API's pool (and anything else it opens with its DATABASE_URL) is tagged with its own application_name.
    const url = new URL(inject('databaseUrl'));
    url.searchParams.set('application_name', appName);
    sys = await startTestSystem('ready-flood', { DATABASE_URL: url.toString(), DATABASE_POOL_SIZE: String(POOL_SIZE) });
    watcher = new pg.Client({ connectionString: inject('databaseUrl') });
    await watcher.connect();
  });
  afterAll(async () => {
    await watcher?.end();
    await sys?.stop();
  });

  const connectionsOpen = async () =>
    Number(
      (
        await watcher.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [
          appName,
        ])
      ).rows[0]!.n,
    );

  it('answers 404 on the webhook port for /readyz, /metrics and /admin, and serves them on the ops port', async () => {
    for (const path of ['/readyz', '/metrics', '/admin/events', '/admin/reconcile/x']) {
      expect({ path, status: (await fetch(`${sys.api.url}${path}`)).status }).toEqual({ path, status: 404 });
    }
    expect((await fetch(`${sys.api.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${sys.api.opsUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${sys.api.opsUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${sys.api.opsUrl}/healthz`)).status).toBe(200);
    // The ops port binds loopback by default.
    expect(new URL(sys.api.opsUrl).hostname).toBe('127.0.0.1');
  });

  it('keeps 1,000 concurrent /readyz within the pool: no connection of their own, all answered ready', async () => {
    let peak = await connectionsOpen();
    let flooding = true;
    const sampler = (async () => {
      while (flooding) {
        peak = Math.max(peak, await connectionsOpen());
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const statuses = await Promise.all(
      Array.from({ length: 1_000 }, () =>
        fetch(`${sys.api.opsUrl}/readyz`, { signal: AbortSignal.timeout(60_000) }).then((r) => r.status),
      ),
    );
    flooding = false;
    await sampler;
    peak = Math.max(peak, await connectionsOpen());

    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(POOL_SIZE);
  });
});
