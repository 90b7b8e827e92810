// A thin, stateful fake of the GitHub REST API over node:http, for end-to-end tests
// of the github connector (GitHub itself is not reachable from test machines). It
// answers what the connector asks, in GitHub's shapes: GET one issue / pull request
// (410 for a deleted issue, 404 for an unknown one, as GitHub documents), and the
// repository issue listing (state=all, sort=updated, direction=asc, since, page,
// per_page; pull requests appear in it with a `pull_request` key, as on GitHub).
// It checks the token (401 "Bad credentials" otherwise) and records every request.
// Faults: the next N answers for a path can be replaced (rate limits, outages).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  atMs: number;
}

type Obj = Record<string, unknown>;

export interface FakeGithub {
  url: string;
  token: string;
  seen: SeenRequest[];
  /** Creates or updates an issue (or a pull request); returns its state. Each call moves updated_at on by one second. */
  upsertIssue(repo: string, number: number, fields?: Obj, opts?: { pull?: boolean }): Obj;
  deleteIssue(repo: string, number: number): void;
  /** Creates or replaces a release (GitHub's releases have no updated_at); `null` deletes it. */
  setRelease(repo: string, id: number, fields: Obj | null): void;
  failNext(path: string, count: number, fault: Fault): void;
  close(): Promise<void>;
}

interface Stored {
  repo: string;
  number: number;
  pull: boolean;
  deleted: boolean;
  data: Obj;
}

export async function startFakeGithub(opts: { token: string; startMs?: number }): Promise<FakeGithub> {
  const items = new Map<string, Stored>();
  const releases = new Map<string, Obj>();
  const faults = new Map<string, Fault[]>();
  const seen: SeenRequest[] = [];
  let clockMs = opts.startMs ?? Date.parse('2026-01-01T00:00:00Z');
  let nextId = 5000;
  let base = '';

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  /** An issue as GitHub's issue endpoints show it (pull requests carry a `pull_request` key there). */
  const asIssue = (s: Stored): Obj => ({
    ...s.data,
    url: `${base}/repos/${s.repo}/issues/${s.number}`,
    ...(s.pull ? { pull_request: { url: `${base}/repos/${s.repo}/pulls/${s.number}` } } : {}),
  });
  const asPull = (s: Stored): Obj => ({ ...s.data, url: `${base}/repos/${s.repo}/pulls/${s.number}` });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, query: url.searchParams, headers: req.headers, atMs: Date.now() });
    const queued = faults.get(url.pathname);
    const fault = queued?.shift();
    if (fault) return send(res, fault.status, fault.body ?? { message: `fault ${fault.status}` }, fault.headers);
    if (req.headers.authorization !== `token ${opts.token}`) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    let m = /^\/repos\/([^/]+\/[^/]+)\/(issues|pulls)\/(\d+)$/.exec(url.pathname);
    if (m) {
      const s = items.get(`${m[1]}#${m[3]}`);
      if (!s || (m[2] === 'pulls' && !s.pull)) return send(res, 404, { message: 'Not Found' });
      if (s.deleted) return send(res, 410, { message: 'This issue was deleted' });
      return send(res, 200, m[2] === 'pulls' ? asPull(s) : asIssue(s));
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)$/.exec(url.pathname);
    if (m) {
      const r = releases.get(`${m[1]}#${m[2]}`);
      return r ? send(res, 200, { ...r, url: `${base}${url.pathname}` }) : send(res, 404, { message: 'Not Found' });
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/issues$/.exec(url.pathname);
    if (m) {
      const since = url.searchParams.get('since');
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const list = [...items.values()]
        .filter((s) => s.repo === m![1] && !s.deleted)
        .filter((s) => !since || Date.parse(String(s.data.updated_at)) >= Date.parse(since))
        .sort((a, b) => Date.parse(String(a.data.updated_at)) - Date.parse(String(b.data.updated_at)));
      return send(res, 200, list.slice((page - 1) * perPage, page * perPage).map(asIssue));
    }
    send(res, 404, { message: 'Not Found' });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    token: opts.token,
    seen,
    upsertIssue(repo, number, fields = {}, o = {}) {
      clockMs += 1000;
      const key = `${repo}#${number}`;
      const prev = items.get(key);
      const data: Obj = {
        id: (prev?.data.id as number | undefined) ?? nextId++,
        number,
        title: `item ${number}`,
        state: 'open',
        created_at: prev?.data.created_at ?? new Date(clockMs).toISOString().replace('.000', ''),
        ...prev?.data,
        ...fields,
        updated_at: new Date(clockMs).toISOString().replace('.000', ''),
      };
      items.set(key, { repo, number, pull: o.pull ?? prev?.pull ?? false, deleted: false, data });
      return data;
    },
    deleteIssue(repo, number) {
      const s = items.get(`${repo}#${number}`);
      if (s) s.deleted = true;
    },
    setRelease(repo, id, fields) {
      if (fields === null) releases.delete(`${repo}#${id}`);
      else releases.set(`${repo}#${id}`, { id, ...fields });
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
