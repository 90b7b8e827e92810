// Start-up that waits for its dependencies. An API or worker started while
// PostgreSQL or Temporal is unreachable (a deploy during an outage, a restart
// in the middle of one, a compose stack whose database is still booting) keeps
// trying with backoff for STARTUP_WAIT_MS, logging each attempt, instead of
// exiting at the first refused connection and leaving the restart to a
// supervisor that may give up. Errors that waiting cannot mend (bad
// credentials, a missing key, a port in use, a failed migration) end it at once.
import type { Logger } from '../infra/log';

/** Node socket errors of a dependency that is down, restarting or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
]);
/** PostgreSQL SQLSTATEs of a server that is starting, stopping or full (class 08 is matched by prefix). */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);
/** Prisma's codes for an unreachable server, a closed connection and an exhausted pool. */
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED, as the Temporal client reports them. */
const GRPC_UNAVAILABLE = new Set([14, 4]);
const MESSAGES = [
  /Connection terminated/i, // pg: the server went away mid-handshake or mid-query
  /timeout expired/i, // pg: connectionTimeoutMillis
  /Failed to connect before the deadline/i, // @temporalio/client Connection.connect
  /tcp connect error|transport error/i, // @temporalio/worker NativeConnection (Rust core)
];

/** True when the failure is a dependency being unreachable, which waiting can mend. */
export function isUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (
      typeof code === 'string' &&
      (NETWORK_CODES.has(code) ||
        PG_UNAVAILABLE.has(code) ||
        PRISMA_UNAVAILABLE.has(code) ||
        /^08[0-9A-Z]{3}$/.test(code))
    )
      return true;
    if (typeof code === 'number' && GRPC_UNAVAILABLE.has(code)) return true;
    if (name === 'TransportError') return true;
    if (typeof message === 'string' && MESSAGES.some((m) => m.test(message))) return true;
  }
  return false;
}

export interface StartupOptions {
  /** How long to keep trying; 0 = one attempt. */
  waitMs: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Runs `attempt` until it succeeds, fails in a way waiting cannot mend, or
 * `waitMs` has passed. `attempt` must release whatever it opened before it
 * throws, since it is called again.
 */
export async function startWhenReachable<T>(
  log: Logger,
  what: string,
  attempt: () => Promise<T>,
  opts: StartupOptions,
): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.waitMs;
  let delay = opts.firstDelayMs ?? 250;
  for (let n = 1; ; n++) {
    try {
      const started = await attempt();
      if (n > 1) log.info({ event: 'startup.reached', what, attempts: n }, `${what} started after ${n} attempts`);
      return started;
    } catch (err) {
      const left = deadline - now();
      if (!isUnavailable(err) || left <= 0) throw err;
      const wait = Math.min(delay, left);
      log.warn(
        { event: 'startup.waiting', what, attempt: n, retryInMs: wait, reason: (err as Error).message },
        `${what} cannot reach a dependency yet; trying again`,
      );
      await sleep(wait);
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 5_000);
    }
  }
}
