// Free loopback ports for the servers tests and benchmarks start themselves.
//
// Why not listen(0): the kernel hands out port 0 and every outgoing
// connection's local port from the same ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 here). Between closing
// the probe and the real server binding the port, a PostgreSQL or gRPC
// connection of a parallel test can take it as its local port, and the server
// then fails to bind (a CI run lost a Temporal dev server start this way:
// "temporal dev server exited with code 1"). Ports below the ephemeral range
// are only ever taken by someone binding them on purpose, so the probe below
// can only race another caller of this helper, picking at random from 16k ports.
import net from 'node:net';

const LOW_PORT = 16_000;
const HIGH_PORT = 32_000;
const ATTEMPTS = 50;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A loopback TCP port that is free now and outside the kernel's ephemeral range. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = LOW_PORT + Math.floor(Math.random() * (HIGH_PORT - LOW_PORT));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${LOW_PORT}-${HIGH_PORT} after ${ATTEMPTS} tries`);
}
