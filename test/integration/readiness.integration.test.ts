// /readyz on the API and on the worker turns unready (503 with the failing
// dependency as the reason) while PostgreSQL is unreachable or Temporal is
// down, and ready again once the dependency is back, with no restart. The
// database path runs through a TCP proxy the test cuts; Temporal is a dev
// server of this file's own, stopped and started on the same port and file.
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
      const [api, worker] = await Promise.all([readyz(sys.api.url), readyz(sys.worker!.opsUrl!)]);
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
