// Closed-loop HTTP load that retries like a partner: `concurrency` senders over
// keep-alive connections; a delivery answered 429 or 503 (or not answered at
// all) is sent again after its Retry-After (capped at `maxRetryAfterMs`; 1 s
// without one), up to `maxAttempts` sends. While it waits, its sender moves on
// to the next delivery, as a partner's retry queue does. A delivery still not
// answered 2xx after its last attempt is lost: the caller must not count a
// round that lost any (bench:compare reports it as failed).
import http from 'node:http';
import type { Delivery } from '../../dev/simulator';

export interface SendOptions {
  /** Sends per delivery, the first included. */
  maxAttempts: number;
  /** Longest wait honoured from a Retry-After; a longer one is cut to this. */
  maxRetryAfterMs: number;
}

export interface SendResult {
  deliveries: number;
  /** Answered 2xx (202 accepted or 200 duplicate: a retry of a delivery Temporal had taken after all). */
  delivered: number;
  /** Never answered 2xx within maxAttempts. */
  lost: number;
  /** Sends beyond each delivery's first. */
  retries: number;
  /** Every answer by status (0: no answer, a connection error). */
  statuses: Record<string, number>;
  durationMs: number;
}

export const DEFAULT_SEND_OPTIONS: SendOptions = { maxAttempts: 10, maxRetryAfterMs: 5_000 };
const RETRY_WITHOUT_HEADER_MS = 1_000;
const RETRIED_STATUSES = new Set([0, 429, 502, 503, 504]);

interface Answer {
  status: number;
  retryAfterMs: number | undefined;
}

/** Retry-After in seconds or as an HTTP date, in ms from now. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const sec = Number(value);
  if (Number.isFinite(sec)) return Math.max(0, sec * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export async function sendAll(
  url: string,
  deliveries: Delivery[],
  concurrency: number,
  opts: SendOptions = DEFAULT_SEND_OPTIONS,
): Promise<SendResult> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: Record<string, number> = {};
  const post = (d: Delivery): Promise<Answer> =>
    new Promise((resolve) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { ...d.headers, 'content-length': d.rawBody.length },
        },
        (res) => {
          res.resume();
          res.once('end', () =>
            resolve({ status: res.statusCode ?? 0, retryAfterMs: retryAfterMs(res.headers['retry-after']) }),
          );
        },
      );
      req.once('error', () => resolve({ status: 0, retryAfterMs: undefined }));
      req.end(d.rawBody);
    });

  // Deliveries waiting for their next send, each with the time it may go.
  const waiting: Array<{ d: Delivery; attempt: number; at: number }> = [];
  let next = 0;
  let inFlight = 0;
  let delivered = 0;
  let lost = 0;
  let retries = 0;
  const take = (): { d: Delivery; attempt: number } | 'wait' | 'done' => {
    const now = Date.now();
    const due = waiting.findIndex((w) => w.at <= now);
    if (due >= 0) return waiting.splice(due, 1)[0] as { d: Delivery; attempt: number };
    const d = deliveries[next];
    if (d) {
      next++;
      return { d, attempt: 1 };
    }
    // Nothing new: wait while a retry is pending or another sender may still queue one.
    return waiting.length > 0 || inFlight > 0 ? 'wait' : 'done';
  };
  const sender = async (): Promise<void> => {
    for (;;) {
      const job = take();
      if (job === 'done') return;
      if (job === 'wait') {
        const soonest = Math.min(...waiting.map((w) => w.at), Date.now() + 50);
        await new Promise((r) => setTimeout(r, Math.max(1, soonest - Date.now())));
        continue;
      }
      if (job.attempt > 1) retries++;
      inFlight++;
      const answer = await post(job.d);
      inFlight--;
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status >= 200 && answer.status < 300) delivered++;
      else if (!RETRIED_STATUSES.has(answer.status) || job.attempt >= opts.maxAttempts) lost++;
      else {
        const wait = Math.min(answer.retryAfterMs ?? RETRY_WITHOUT_HEADER_MS, opts.maxRetryAfterMs);
        waiting.push({ d: job.d, attempt: job.attempt + 1, at: Date.now() + wait });
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, sender));
  const durationMs = performance.now() - started;
  agent.destroy();
  return { deliveries: deliveries.length, delivered, lost, retries, statuses, durationMs };
}
