// A thin stateful layer in front of stripe-mock. stripe-mock is stateless (any
// id answers a fixture, writes are not remembered), so the cases it cannot
// play (an object's current state changing, a deleted object, 404
// resource_missing, 429, 401) are answered here, per path, in Stripe's own
// error shape; every other request is passed to stripe-mock untouched. Tests
// say which of their checks run against which.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LayerAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface StripeLayer {
  url: string;
  /** `METHOD path?query` of every request, in arrival order, with the Authorization header's key. */
  requests: Array<{ path: string; key: string | undefined }>;
  /** Answers the next `times` GETs of `path` with `answer` (times = Infinity: until cleared). */
  answer(path: string, answer: LayerAnswer, times?: number): void;
  clear(path: string): void;
  count(path: string): number;
  close(): Promise<void>;
}

/** Stripe's error body: https://docs.stripe.com/api/errors */
export const stripeError = (type: string, message: string, code?: string) => ({
  error: { type, message, ...(code ? { code } : {}) },
});

export async function startStripeLayer(stripeMockUrl: string): Promise<StripeLayer> {
  const rules = new Map<string, Array<{ answer: LayerAnswer; left: number }>>();
  const requests: StripeLayer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://layer');
    const auth = req.headers.authorization;
    requests.push({ path: `${url.pathname}${url.search}`, key: auth?.replace(/^Bearer /, '') });
    const queue = rules.get(url.pathname);
    const rule = queue?.[0];
    if (rule) {
      rule.left -= 1;
      if (rule.left <= 0) queue.shift();
      res.writeHead(rule.answer.status, { 'content-type': 'application/json', ...rule.answer.headers });
      res.end(JSON.stringify(rule.answer.body));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host') headers[k] = v;
    fetch(`${stripeMockUrl}${url.pathname}${url.search}`, { method: req.method, headers })
      .then(async (upstream) => {
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      })
      .catch((err: unknown) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify(stripeError('api_error', `layer could not reach stripe-mock: ${String(err)}`)));
      });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer(path, answer, times = Infinity) {
      const queue = rules.get(path) ?? [];
      queue.push({ answer, left: times });
      rules.set(path, queue);
    },
    clear: (path) => void rules.delete(path),
    count: (path) => requests.filter((r) => r.path.split('?')[0] === path).length,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
