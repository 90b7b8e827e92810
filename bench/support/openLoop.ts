// Open-loop offered load with a real partner's retries (bench/overload.ts): new
// deliveries start at `ratePerSec` whatever the receiver answers (a partner
// replaying a backlog does not wait for us), and each one that is not answered
// 2xx is retried on the partner's documented schedule (dev/simulator/retryModels.ts),
// compressed by `timeScale`, with the partner's own timeout, until a 2xx or the
// partner gives up (the event is then left to reconciliation).
import http from 'node:http';
import type { Delivery } from '../../dev/simulator';
import { nextAttemptDelayMs, type RetryModel } from '../../dev/simulator/retryModels';

export interface OpenLoopResult {
  /** Deliveries started (first attempts). */
  offered: number;
  attempts: number;
  /** Answers by status ("0" = no answer: refused, reset or the partner's timeout). */
  statuses: Record<string, number>;
  /** Every attempt's time to its answer. */
  latenciesMs: number[];
  /** Deliveries answered 2xx at last, and when (ms after the load began). */
  ackedAtMs: number[];
  abandoned: number;
  /** Still retrying when `settleTimeoutMs` ran out after the last first attempt. */
  unsettled: number;
}

export interface OpenLoopOptions {
  url: string;
  deliveries: Delivery[];
  ratePerSec: number;
  model: RetryModel;
  timeScale: number;
  /** How long to wait for retries after the last first attempt. */
  settleTimeoutMs: number;
  /** Called once the last first attempt is sent. */
  onOffered?: () => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function offerOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const r: OpenLoopResult = {
    offered: 0,
    attempts: 0,
    statuses: {},
    latenciesMs: [],
    ackedAtMs: [],
    abandoned: 0,
    unsettled: 0,
  };
  const t0 = performance.now();
  let stopped = false;

  const post = (d: Delivery): Promise<{ status: number; retryAfterSec: number | null }> =>
    new Promise((resolve) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          timeout: o.model.timeoutMs,
          headers: { ...d.headers, 'content-length': d.rawBody.length },
        },
        (res) => {
          res.resume();
          const ra = Number(res.headers['retry-after'] ?? NaN);
          res.once('end', () =>
            resolve({ status: res.statusCode ?? 0, retryAfterSec: Number.isFinite(ra) && ra >= 0 ? ra : null }),
          );
        },
      );
      req.once('timeout', () => req.destroy());
      req.once('error', () => resolve({ status: 0, retryAfterSec: null }));
      req.end(d.rawBody);
    });

  const deliver = async (d: Delivery): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      if (stopped) return;
      r.attempts++;
      const a0 = performance.now();
      const answer = await post(d);
      r.latenciesMs.push(performance.now() - a0);
      r.statuses[answer.status] = (r.statuses[answer.status] ?? 0) + 1;
      if (answer.status >= 200 && answer.status < 300) {
        r.ackedAtMs.push(performance.now() - t0);
        return;
      }
      const wait = nextAttemptDelayMs(o.model, attempt, answer.retryAfterSec, o.timeScale);
      if (wait === null) {
        r.abandoned++;
        return;
      }
      await sleep(wait);
    }
  };

  const pending: Array<Promise<void>> = [];
  const intervalMs = 1000 / o.ratePerSec;
  for (const d of o.deliveries) {
    const due = r.offered * intervalMs - (performance.now() - t0);
    if (due > 1) await sleep(due);
    r.offered++;
    pending.push(deliver(d));
  }
  o.onOffered?.();
  const settled = Promise.all(pending);
  const timer = new Promise<void>((resolve) => setTimeout(resolve, o.settleTimeoutMs).unref());
  await Promise.race([settled, timer]);
  // Deliveries still between retries are left to their timers; they stop at their next attempt.
  stopped = true;
  r.unsettled = r.offered - r.ackedAtMs.length - r.abandoned;
  agent.destroy();
  return r;
}
