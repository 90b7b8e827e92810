// A Temporal dev server of one test file's own, for outage tests: file-backed,
// so it can be stopped and started again on the same port with its data.
import path from 'node:path';
import { inject } from 'vitest';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { freePort } from '../../dev/support/ports';

export interface OwnTemporal {
  readonly address: string;
  /** Stops the server (the outage); a no-op when it is already down. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data file. */
  start(): Promise<void>;
}

export async function startOwnTemporal(label: string): Promise<OwnTemporal> {
  const port = await freePort();
  const dir = path.join(inject('runDir'), `${label}-${port}`);
  const opts = {
    binary: inject('temporalBinary'),
    port,
    dbFile: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, '..', `${label}-${port}.log`),
    headless: true,
  };
  let server: DevServer | undefined = await startDevServer(opts);
  const address = server.address;
  return {
    address,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      server = await startDevServer(opts);
    },
  };
}
