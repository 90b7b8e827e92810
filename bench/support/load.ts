// Closed-loop HTTP load: `concurrency` virtual senders over keep-alive
// connections, each posting the next pre-signed delivery as soon as its last
// answer arrived. Latency is measured per request from write to full answer.
import http from 'node:http';
import type { Delivery } from '../../dev/simulator';

export interface LoadResult {
  sent: number;
  durationMs: number;
  /** Successful answers: 202 over HTTP, a resolved call otherwise. A refused request is a retry for the sender, not throughput. */
  ok: number;
  /** ok per second. */
  perSec: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
}

/** A delivery and, optionally, the path it goes to (default: the path of postAll's url), e.g. a random connection's. */
export type Routed = Delivery & { path?: string };

export async function postAll(url: string, deliveries: Routed[], concurrency: number): Promise<LoadResult> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: Record<string, number> = {};
  const latenciesMs: number[] = [];
  let next = 0;
  const post = (d: Routed): Promise<number> =>
    new Promise((resolve) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: d.path ?? target.pathname,
          method: 'POST',
          agent,
          headers: { ...d.headers, 'content-length': d.rawBody.length },
        },
        (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.once('error', () => resolve(0));
      req.end(d.rawBody);
    });
  const sender = async (): Promise<void> => {
    for (;;) {
      const d = deliveries[next++];
      if (!d) return;
      const t0 = process.hrtime.bigint();
      const status = await post(d);
      latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, sender));
  const durationMs = performance.now() - started;
  agent.destroy();
  const ok = statuses['202'] ?? 0;
  return { sent: deliveries.length, durationMs, ok, perSec: (ok / durationMs) * 1000, statuses, latenciesMs };
}

/** Same shape, for a call that is not HTTP (raw Temporal starts, direct inserts). */
export async function callAll<T>(
  items: T[],
  concurrency: number,
  call: (item: T) => Promise<unknown>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      const t0 = process.hrtime.bigint();
      const ok = await call(items[i] as T).then(
        () => 'ok',
        (err: Error) => err.name || 'error',
      );
      latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      statuses[ok] = (statuses[ok] ?? 0) + 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const durationMs = performance.now() - started;
  const ok = statuses.ok ?? 0;
  return { sent: items.length, durationMs, ok, perSec: (ok / durationMs) * 1000, statuses, latenciesMs };
}

/** Several runs of one kind taken as one: successes over the summed time, every latency, every status. */
export function combine(parts: LoadResult[]): LoadResult {
  const statuses: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const durationMs = parts.reduce((s, p) => s + p.durationMs, 0);
  const ok = parts.reduce((s, p) => s + p.ok, 0);
  return {
    sent: parts.reduce((s, p) => s + p.sent, 0),
    durationMs,
    ok,
    perSec: (ok / durationMs) * 1000,
    statuses,
    latenciesMs: parts.flatMap((p) => p.latenciesMs),
  };
}
