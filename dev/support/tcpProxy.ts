// A loopback TCP proxy that a test can break and mend, to simulate a dependency
// (PostgreSQL, Temporal, a partner) failing on the network. Two failures:
// - cut(): every live connection is reset and every new one is accepted and
//   reset at once, so clients fail fast (a crashed or restarting server);
// - stall(): connections stay open but nothing flows either way, and new ones
//   are accepted and then starve (a partition or a hung host), so only the
//   client's own timeouts can end a request.
// restore() returns to normal; stalled connections resume where they stopped.
// The listening port stays bound throughout, so a client's configured address
// stays valid and restore() is synchronous. Loopback only (ENVIRONMENT.md).
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Resets live connections and every new one until restore(). */
  cut(): void;
  /** Stops all traffic without closing anything, until restore(). */
  stall(): void;
  restore(): void;
  close(): Promise<void>;
}

/** The in-process proxy also counts what it took: a stalled request has reached it once `accepted()` grows. */
export interface CountingTcpProxy extends TcpProxy {
  accepted(): number;
}

const LOOPBACK = '127.0.0.1';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

function flow(p: Pair): void {
  p.client.pipe(p.upstream);
  p.upstream.pipe(p.client);
}

function starve(p: Pair): void {
  p.client.unpipe(p.upstream);
  p.upstream.unpipe(p.client);
  p.client.pause();
  p.upstream.pause();
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<CountingTcpProxy> {
  const pairs = new Set<Pair>();
  // Every socket either side, for close(): a pair leaves `pairs` when one side closes, and the
  // other side only ends (half-close); a client that never closes its side would hold server.close().
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  let mode: 'open' | 'cut' | 'stalled' = 'open';
  let accepted = 0;

  const server = net.createServer((client) => {
    accepted += 1;
    track(client);
    // Errors are the point of this tool, not failures of the test process.
    client.on('error', () => undefined);
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    track(upstream);
    upstream.on('error', () => undefined);
    const pair = { client, upstream };
    pairs.add(pair);
    for (const [self, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      self.once('error', () => other.destroy());
      self.once('close', () => {
        pairs.delete(pair);
        other.end();
      });
    }
    if (mode === 'open') flow(pair);
    else starve(pair);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });

  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      mode = 'cut';
      for (const p of pairs) {
        p.client.resetAndDestroy();
        p.upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    stall() {
      if (mode === 'open') pairs.forEach(starve);
      mode = 'stalled';
    },
    restore() {
      if (mode === 'stalled') pairs.forEach(flow);
      mode = 'open';
    },
    accepted: () => accepted,
    close() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      pairs.clear();
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
