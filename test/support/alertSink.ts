// A real HTTP endpoint that plays Slack's incoming webhook: it records every
// alert POSTed to it, so tests assert on what an on-call engineer would get.
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface AlertSink {
  url: string;
  received: Array<Record<string, unknown>>;
  /** The next `n` POSTs are answered 500 (and not recorded): a failing alert endpoint. */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startAlertSink(): Promise<AlertSink> {
  const received: Array<Record<string, unknown>> = [];
  let failing = 0;
  const app = express();
  app.post('/hook', express.json(), (req, res) => {
    if (failing > 0) {
      failing--;
      res.status(500).send('down');
      return;
    }
    received.push(req.body as Record<string, unknown>);
    res.status(200).send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    failNext: (n) => {
      failing = n;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
