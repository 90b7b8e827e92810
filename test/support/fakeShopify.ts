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
  seen: Array<{ path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; atMs: number }>;
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
  /**
   * GET /admin/api/<v>/<plural>.json: `updated_at_min` and `limit` on the first request; then only `limit` and the
   * opaque `page_info` of the Link header's rel="next", which carries the filter, as Shopify's cursor pagination does.
   * Keyed by id (ascending), so objects changing between pages do not shift them.
   */
  function sendList(res: http.ServerResponse, url: URL, plural: string): void {
    const token = url.searchParams.get('page_info');
    if (token && [...url.searchParams.keys()].some((k) => k !== 'page_info' && k !== 'limit'))
      return send(res, 400, { errors: 'page_info cannot be combined with other filters' });
    const state = token
      ? (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { min: string | null; afterId: number })
      : { min: url.searchParams.get('updated_at_min'), afterId: 0 };
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const all = [...objects.entries()]
      .filter(([k]) => k.startsWith(`${plural}/`))
      .map(([, o]) => o)
      .filter((o) => !state.min || Date.parse(String(o.updated_at)) >= Date.parse(state.min))
      .filter((o) => (o.id as number) > state.afterId)
      .sort((a, b) => (a.id as number) - (b.id as number));
    const page = all.slice(0, limit);
    const headers: Record<string, string> = {};
    if (all.length > limit) {
      const next = Buffer.from(JSON.stringify({ min: state.min, afterId: page.at(-1)!.id })).toString('base64url');
      headers.link = `<${base}${url.pathname}?limit=${limit}&page_info=${next}>; rel="next"`;
    }
    send(res, 200, { [plural]: page }, headers);
  }

  let base = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, query: url.searchParams, headers: req.headers, atMs: Date.now() });
    const fault = faults.get(url.pathname)?.shift();
    if (fault) return send(res, fault.status, fault.body ?? { errors: `fault ${fault.status}` }, fault.headers);
    if (req.headers['x-shopify-access-token'] !== opts.accessToken)
      return send(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    const list = /^\/admin\/api\/[\w-]+\/(\w+)\.json$/.exec(url.pathname);
    if (list && SINGULAR[list[1]!]) return sendList(res, url, list[1]!);
    const m = /^\/admin\/api\/[\w-]+\/(\w+)\/(\d+)\.json$/.exec(url.pathname);
    const singular = m ? SINGULAR[m[1]!] : undefined;
    const object = m ? objects.get(`${m[1]}/${m[2]}`) : undefined;
    if (!singular || !object) return send(res, 404, { errors: 'Not Found' });
    send(res, 200, { [singular]: object });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
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
