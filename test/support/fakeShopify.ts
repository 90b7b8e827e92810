// A thin, stateful fake of Shopify's Admin REST API over node:http, for end-to-end tests
// of the shopify connector (a real shop is not reachable from test machines). It answers
// GET /admin/api/<version>/<plural>/<id>.json in the documented shape ({"order": {...}}),
// 404 {"errors":"Not Found"} for a deleted or unknown object, and 401 with Shopify's
// message for a wrong X-Shopify-Access-Token. Faults replace the next N answers for a
// path (429 with Retry-After, outages). Every request is recorded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ShopifyFault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

type Obj = Record<string, unknown>;

export interface FakeShopify {
  url: string;
  seen: Array<{ path: string; headers: http.IncomingHttpHeaders; atMs: number }>;
  /** Creates or updates an object; each call moves updated_at on by one second. Returns the object. */
  upsert(plural: string, id: number, fields?: Obj): Obj;
  remove(plural: string, id: number): void;
  failNext(path: string, count: number, fault: ShopifyFault): void;
  close(): Promise<void>;
}

const SINGULAR: Record<string, string> = { orders: 'order', products: 'product', customers: 'customer' };

export async function startFakeShopify(opts: { accessToken: string }): Promise<FakeShopify> {
  const objects = new Map<string, Obj>();
  const faults = new Map<string, ShopifyFault[]>();
  const seen: FakeShopify['seen'] = [];
  let clockMs = Date.parse('2026-03-01T00:00:00Z');

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, headers: req.headers, atMs: Date.now() });
    const fault = faults.get(url.pathname)?.shift();
    if (fault) return send(res, fault.status, fault.body ?? { errors: `fault ${fault.status}` }, fault.headers);
    if (req.headers['x-shopify-access-token'] !== opts.accessToken)
      return send(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    const m = /^\/admin\/api\/[\w-]+\/(\w+)\/(\d+)\.json$/.exec(url.pathname);
    const singular = m ? SINGULAR[m[1]!] : undefined;
    const object = m ? objects.get(`${m[1]}/${m[2]}`) : undefined;
    if (!singular || !object) return send(res, 404, { errors: 'Not Found' });
    send(res, 200, { [singular]: object });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    upsert(plural, id, fields = {}) {
      clockMs += 1000;
      const prev = objects.get(`${plural}/${id}`) ?? {};
      const updatedAt = new Date(clockMs).toISOString().replace('.000Z', '-00:00');
      const object = { ...prev, id, ...fields, updated_at: updatedAt };
      objects.set(`${plural}/${id}`, object);
      return object;
    },
    remove(plural, id) {
      objects.delete(`${plural}/${id}`);
    },
    failNext(path, count, fault) {
      faults.set(path, [...(faults.get(path) ?? []), ...Array.from({ length: count }, () => fault)]);
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
