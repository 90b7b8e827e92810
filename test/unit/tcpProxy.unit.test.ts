// The breakable TCP proxy (dev/support/tcpProxy.ts) ends cleanly: close() resolves even
// when a client holds a half-closed connection, as one does after the upstream server
// (PostgreSQL, restarted by a cluster chaos run) closed its side. It used to wait for that
// client forever, and the chaos run's teardown hung.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy } from '../../dev/support/tcpProxy';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('tcp proxy', () => {
  it('closes while a client keeps its side of a connection the upstream closed', async () => {
    const upstreamSockets: net.Socket[] = [];
    const upstream = net.createServer((s) => upstreamSockets.push(s));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => upstream.close());
    const proxy = await startTcpProxy('127.0.0.1', (upstream.address() as net.AddressInfo).port);

    // allowHalfOpen: the client does not end its side when the other side ends (a pool's idle client).
    const client = net.connect({ port: proxy.port, host: '127.0.0.1', allowHalfOpen: true });
    cleanups.push(() => client.destroy());
    const ended = new Promise<void>((r) => client.once('end', () => r()));
    client.write('ping');
    await new Promise<void>((r) => {
      const wait = () => (upstreamSockets.length > 0 ? r() : setTimeout(wait, 10));
      wait();
    });
    upstreamSockets[0]!.destroy();
    await ended;
    expect(client.destroyed).toBe(false);

    // Without the fix this never resolves (the test then fails on its timeout).
    await proxy.close();
  });
});
