// A product's notification endpoint, for tests and the chaos run: a real HTTP
// server that verifies each notification with `standardwebhooks`, the
// Standard Webhooks project's own library (theirs, not ours: syncline signs
// with src/signatures), answers 2xx or fails on demand, and replays what it
// accepted the way a product would consume it (`consume`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { NotificationBody } from '../../src/contracts/notificationsApi';

export interface ReceivedNotification {
  id: string;
  /** Verified by `standardwebhooks` over the exact bytes received. */
  verified: boolean;
  status: number;
  body: NotificationBody;
  rawBody: Buffer;
  headers: Record<string, string>;
}

export interface ProductEndpoint {
  url: string;
  received: ReceivedNotification[];
  /** Answers 2xx, in order of arrival. */
  accepted(connectionId?: string): NotificationBody[];
  /** The next `n` notifications are answered `status` (503 by default); Infinity = until told otherwise. */
  failNext(n: number, status?: number): void;
  /**
   * The next `n` verified notifications are stored (answered 2xx here) but their answer never reaches
   * the sender: `whileHeld` runs, then the connection is cut, as when a timeout or a restart loses a 2xx.
   */
  loseAnswerNext(n: number, whileHeld?: () => Promise<void>): void;
  close(): Promise<void>;
}

export async function startProductEndpoint(opts: { secret: string; port?: number }): Promise<ProductEndpoint> {
  const verifier = new Webhook(opts.secret);
  const received: ReceivedNotification[] = [];
  let failing = 0;
  let failStatus = 503;
  let losing = 0;
  let whileHeld: (() => Promise<void>) | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const headers = Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
      );
      let verified = true;
      try {
        verifier.verify(rawBody.toString('utf8'), headers);
      } catch {
        verified = false;
      }
      const status = !verified ? 401 : failing > 0 ? failStatus : 204;
      if (verified && failing > 0) failing--;
      let body: NotificationBody;
      try {
        body = JSON.parse(rawBody.toString('utf8')) as NotificationBody;
      } catch {
        res.writeHead(400).end();
        return;
      }
      received.push({ id: headers['webhook-id'] ?? '', verified, status, body, rawBody, headers });
      if (verified && status < 300 && losing > 0) {
        losing--;
        const hold = whileHeld ?? (() => Promise.resolve());
        void hold()
          .catch(() => undefined)
          .finally(() => req.socket.destroy());
        return;
      }
      res.writeHead(status).end();
    });
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/syncline/notifications`,
    received,
    accepted: (connectionId) =>
      received
        .filter((r) => r.status < 300 && (connectionId === undefined || r.body.connectionId === connectionId))
        .map((r) => r.body),
    failNext(n, status = 503) {
      failing = n;
      failStatus = status;
    },
    loseAnswerNext(n, held) {
      losing = n;
      whileHeld = held;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Consumed {
  /** The cursors of the changes applied, in order. */
  applied: string[];
  /** Notifications whose previousCursor the product had already moved past (ignored). */
  redeliveries: number;
  /** Notifications whose previousCursor the product never stored: it would have lost its place. */
  gaps: number;
  cursor: string | null;
}

/**
 * What a product that follows the documented rule ends with: apply a
 * notification whose previousCursor is its stored cursor, then store its
 * nextCursor; ignore one whose previousCursor it stored before (a re-delivery).
 */
export function consume(notifications: NotificationBody[]): Consumed {
  const seen = new Set<string | null>();
  let cursor: string | null = null;
  const applied: string[] = [];
  let redeliveries = 0;
  let gaps = 0;
  for (const n of notifications) {
    if (n.previousCursor === cursor) {
      seen.add(cursor);
      applied.push(...n.changes.map((c) => c.cursor));
      cursor = n.nextCursor;
    } else if (seen.has(n.previousCursor)) redeliveries++;
    else gaps++;
  }
  return { applied, redeliveries, gaps, cursor };
}
