// Child-process side of startTcpProxyProcess: runs one TcpProxy and obeys
// cut / stall / restore / close messages from its parent over IPC.
import { startTcpProxy } from './tcpProxy';

type Command = 'cut' | 'stall' | 'restore' | 'close';

async function main(): Promise<void> {
  const [host, port] = [process.argv[2] ?? '127.0.0.1', Number(process.argv[3])];
  const proxy = await startTcpProxy(host, port);
  process.on('message', (cmd: Command) => {
    if (cmd === 'close') {
      void proxy.close().finally(() => process.exit(0));
      return;
    }
    proxy[cmd]();
  });
  // The proxy must not outlive the process that controls it.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port: proxy.port });
}

main().catch((err: unknown) => {
  console.error('tcp proxy failed:', err);
  process.exit(1);
});
