// The dev server launcher against the real Temporal CLI: a start that loses a
// port is tried again instead of failing the caller, and one that cannot
// succeed says why, quoting the server's own log.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { DevServerExitedError, startDevServer, type DevServer } from '../../src/temporal/devServer';
import { freePort } from '../../dev/support/ports';
import { waitFor } from '../support/wait';

const PORT_TAKEN = /can't set frontend port \d+: .*address already in use/;

interface PortHolder {
  release(): Promise<void>;
}

let server: DevServer | undefined;
let holder: PortHolder | undefined;
afterEach(async () => {
  await server?.stop();
  await holder?.release();
  server = holder = undefined;
});

/** Listens on the port; release() also drops the connections the launcher's readiness probe opened to it. */
async function holdPort(port: number): Promise<PortHolder> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
  return {
    release: () =>
      new Promise<void>((resolve) => {
        srv.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

function logFileFor(label: string, port: number): string {
  return path.join(inject('runDir'), `dev-server-${label}-${port}.log`);
}

describe('startDevServer', () => {
  it('tries a start that lost its port again and serves once the port is free', async () => {
    const port = await freePort();
    const logFile = logFileFor('retry', port);
    holder = await holdPort(port);
    const starting = startDevServer({ binary: inject('temporalBinary'), port, headless: true, logFile });
    // The first attempt fails on the taken port; free it as soon as the server has said so.
    await waitFor(
      'the first attempt to report the taken port',
      async () => fs.existsSync(logFile) && PORT_TAKEN.test(fs.readFileSync(logFile, 'utf8')),
      15_000,
    );
    await holder.release();
    holder = undefined;

    server = await starting;

    expect(server.address).toBe(`127.0.0.1:${port}`);
    expect(fs.readFileSync(logFile, 'utf8').match(new RegExp(PORT_TAKEN, 'g'))).toHaveLength(1);
  });

  it('gives up after its attempts with an error that quotes what the server logged', async () => {
    const port = await freePort();
    const logFile = logFileFor('taken', port);
    holder = await holdPort(port);

    const failure = await startDevServer({ binary: inject('temporalBinary'), port, headless: true, logFile }).catch(
      (err: unknown) => err,
    );

    expect(failure).toBeInstanceOf(DevServerExitedError);
    expect((failure as Error).message).toMatch(/exited with code 1; its log .* says: .*can't set frontend port/);
    expect(fs.readFileSync(logFile, 'utf8').match(new RegExp(PORT_TAKEN, 'g'))).toHaveLength(3);
  });
});
