// The same breakable TCP proxy, in its own process. A busy test process (one
// that also plays the partner and drives thousands of deliveries) can fall
// behind accepting connections; a proxy in that process would then look like a
// database outage nobody ordered. In its own process it only forwards bytes.
import { fork } from 'node:child_process';
import path from 'node:path';
import type { TcpProxy } from './tcpProxy';

export function startTcpProxyProcess(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const child = fork(path.join(__dirname, 'tcpProxyChild.ts'), [targetHost, String(targetPort)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`tcp proxy process exited with ${code}`)));
    child.once('message', (msg: { port: number }) => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      resolve({
        port: msg.port,
        cut: () => void child.send('cut'),
        stall: () => void child.send('stall'),
        restore: () => void child.send('restore'),
        async close() {
          if (child.connected) child.send('close');
          // The proxy only forwards bytes: nothing is lost by ending it hard when it does not stop at once.
          const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(kill);
        },
      });
    });
  });
}
