// A worker or API started while its dependencies are down (a deploy during an
// outage, a restart in the middle of one) waits for them and then runs, rather
// than exiting at the first refused connection. Real processes: the worker is
// started against a Temporal dev server that is stopped, the API against
// PostgreSQL behind a cut TCP proxy. A failure waiting cannot mend (a role
// that does not exist) still ends start-up at once.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOwnTemporal, type OwnTemporal } from '../support/ownTemporal';
import { freePort } from '../../dev/support/ports';
import { spawnSyncline, spawnWorker, type SynclineProcess } from '../support/synclineProcess';
import { startTestSystem, type TestSystem } from '../support/system';
import { startTcpProxy, viaProxy, type TcpProxy } from '../../dev/support/tcpProxy';
import { StopWaiting, waitFor } from '../support/wait';

let sys: TestSystem;
let temporal: OwnTemporal;
let proxy: TcpProxy;
const procs: SynclineProcess[] = [];

beforeAll(async () => {
  sys = await startTestSystem('startup', {}, { inProcessWorker: false });
  temporal = await startOwnTemporal('startup');
  const direct = new URL(inject('databaseUrl'));
  proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
});
afterEach(async () => {
  proxy.restore();
  for (const p of procs.splice(0)) await p.kill('SIGTERM');
});
afterAll(async () => {
  await proxy?.close();
  await temporal?.stop();
  await sys?.stop();
});

/** The structured log lines a process has written so far with this `event`. */
function events(p: SynclineProcess, event: string): Array<Record<string, unknown>> {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.event === event);
}

function waitLogged(p: SynclineProcess, event: string, count = 1) {
  return waitFor(
    `${event} ×${count} in the process log`,
    async () => {
      if (p.child.exitCode !== null) throw new StopWaiting(`process exited (${p.child.exitCode}):\n${p.output()}`);
      const found = events(p, event);
      return found.length >= count ? found : undefined;
    },
    60_000,
  );
}

async function readyz(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json() };
}

describe('start-up while a dependency is down', () => {
  it('a worker started while Temporal is down waits, then starts and reports ready once it is back', async () => {
    await temporal.stop();
    const w = spawnWorker(sys.rt.env, { TEMPORAL_ADDRESS: temporal.address, LOG_LEVEL: 'info' });
    procs.push(w);
    // Several attempts, each refused, and the process still alive.
    const waits = await waitLogged(w, 'startup.waiting', 3);
    expect(waits[0]).toMatchObject({ what: 'worker', attempt: 1 });
    expect(String(waits[0]!.reason)).toMatch(/connect|refused/i);
    expect(w.child.exitCode).toBeNull();

    await temporal.start();
    const [listening] = await waitLogged(w, 'worker.ops_listening');
    const [reached] = await waitLogged(w, 'startup.reached');
    expect(Number(reached!.attempts)).toBeGreaterThanOrEqual(4);
    const ready = await waitFor(
      'the worker to be ready',
      async () => {
        const r = await readyz(String(listening!.url));
        return r.status === 200 ? r : undefined;
      },
      60_000,
    );
    expect(ready.body).toMatchObject({ status: 'ready' });
  });

  it('an API started while PostgreSQL is unreachable waits, then serves once the database is back', async () => {
    proxy.cut();
    const port = await freePort();
    const opsPort = await freePort();
    const api = spawnSyncline('src/api/main.ts', sys.rt.env, {
      DATABASE_URL: viaProxy(sys.rt.env.DATABASE_URL!, proxy),
      API_PORT: String(port),
      API_OPS_PORT: String(opsPort),
      LOG_LEVEL: 'info',
    });
    procs.push(api);
    const waits = await waitLogged(api, 'startup.waiting', 2);
    expect(waits[0]).toMatchObject({ what: 'api' });
    const refused = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => 'answered',
      (err: Error) => (err.cause as { code?: string })?.code,
    );
    expect(refused).toBe('ECONNREFUSED');

    proxy.restore();
    await waitLogged(api, 'api.started');
    const ready = await waitFor(
      'the API to be ready',
      async () => {
        const r = await readyz(`http://127.0.0.1:${opsPort}`);
        return r.status === 200 ? r : undefined;
      },
      60_000,
    );
    expect(ready.body).toMatchObject({ status: 'ready' });
  });

  it('gives up at once on a failure that waiting cannot mend, and after STARTUP_WAIT_MS on one it could', async () => {
    const badRole = new URL(sys.rt.env.DATABASE_URL!);
    badRole.username = 'no_such_role_syncline';
    const wrong = spawnSyncline('src/api/main.ts', sys.rt.env, {
      DATABASE_URL: badRole.toString(),
      API_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    });
    procs.push(wrong);
    await waitFor('the API to exit', async () => wrong.child.exitCode !== null, 60_000);
    expect(wrong.child.exitCode).toBe(1);
    expect(wrong.output()).toMatch(/no_such_role_syncline/);
    expect(events(wrong, 'startup.waiting')).toEqual([]);

    await temporal.stop();
    const impatient = spawnWorker(sys.rt.env, {
      TEMPORAL_ADDRESS: temporal.address,
      LOG_LEVEL: 'info',
      STARTUP_WAIT_MS: '1500',
    });
    procs.push(impatient);
    await waitFor('the worker to exit', async () => impatient.child.exitCode !== null, 60_000);
    expect(impatient.child.exitCode).toBe(1);
    expect(events(impatient, 'startup.waiting').length).toBeGreaterThanOrEqual(1);
    expect(impatient.output()).toMatch(/failed to start/);
    await temporal.start();
  });
});
