// A real HTTP endpoint that plays Slack's incoming webhook: it records every
// alert POSTed to it, so tests assert on what an on-call engineer would get.
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface AlertSink {
  url: string;
  received: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startAlertSink(): Promise<AlertSink> {
  const received: Array<Record<string, unknown>> = [];
  const app = express();
  app.post('/hook', express.json(), (req, res) => {
    received.push(req.body as Record<string, unknown>);
    res.status(200).send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
