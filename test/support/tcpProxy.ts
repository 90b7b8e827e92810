// A loopback TCP proxy that a test can cut and restore, to simulate a
// dependency (PostgreSQL, Temporal, a partner) dropping off the network.
// Contract: while cut, every live connection is reset and every new one is
// accepted and reset at once, so clients fail fast (ECONNRESET) instead of
// hanging; the listening port stays bound, so restore() is synchronous and a
// client's configured address stays valid. Loopback only (ENVIRONMENT.md).
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Resets live connections and every new one until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const live = new Set<net.Socket>();
  let cut = false;

  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair = [client, upstream];
    for (const s of pair) {
      live.add(s);
      s.once('close', () => live.delete(s));
      // A failure on one side ends the other; errors are the point of this tool, not failures.
      s.on('error', () => pair.forEach((x) => x.destroy()));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });

  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      cut = true;
      for (const s of live) s.resetAndDestroy();
      live.clear();
    },
    restore() {
      cut = false;
    },
    close() {
      for (const s of live) s.destroy();
      live.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = LOOPBACK;
  u.port = String(proxy.port);
  return u.toString();
}
