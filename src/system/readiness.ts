// Readiness for /readyz (API and worker). Every check runs at once, each with
// its own deadline, so a silent dependency (a partitioned database) answers
// "unready" within READINESS_TIMEOUT_MS instead of hanging the probe. The
// reason names each failing dependency: "database: ...; temporal: ...".
// A probe is cheap and bounded: answers are cached for READINESS_CACHE_MS and
// concurrent probes share one evaluation, every check uses the process's pool
// (no connection of its own), and what can be known at start (the migration
// files) is read once, so a flood of /readyz cannot exhaust the database.
import { Connection } from '@temporalio/client';
import type { Db } from '../db/prisma';
import type { TemporalTarget } from '../temporal/connection';

export interface ReadinessCheck {
  name: string;
  run: () => Promise<void>;
}

export class NotReadyError extends Error {
  override readonly name = 'NotReadyError';
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function readiness(checks: ReadinessCheck[], timeoutMs: number): () => Promise<void> {
  return async () => {
    const results = await Promise.allSettled(checks.map((c) => withDeadline(c.run(), timeoutMs)));
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${checks[i]!.name}: ${(r.reason as Error)?.message ?? String(r.reason)}`] : [],
    );
    if (failed.length > 0) throw new NotReadyError(failed.join('; '));
  };
}

/**
 * One evaluation of `check` serves every caller for `ttlMs` after it settles,
 * and callers arriving while it runs wait for it (single flight): 1,000
 * concurrent probes cost one round of checks, not 1,000.
 */
export function cachedReadiness(
  check: () => Promise<void>,
  ttlMs: number,
  nowMs: () => number = Date.now,
): () => Promise<void> {
  let current: { result: Promise<void>; settledAt: number | null } | undefined;
  return () => {
    if (current && (current.settledAt === null || nowMs() - current.settledAt < ttlMs)) return current.result;
    const entry: { result: Promise<void>; settledAt: number | null } = { result: check(), settledAt: null };
    entry.result.then(
      () => (entry.settledAt = nowMs()),
      () => (entry.settledAt = nowMs()),
    );
    current = entry;
    return entry.result;
  };
}

/** Every migration named at start (`expected`) is recorded as applied; one query through the pool. */
export function migrationsProbe(db: { $queryRaw: Db['$queryRaw'] }, expected: readonly string[]): ReadinessCheck {
  return {
    name: 'migrations',
    run: async () => {
      const done = await db.$queryRaw<{ migration_name: string }[]>`
        SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
      const applied = new Set(done.map((r) => r.migration_name));
      const pending = expected.filter((n) => !applied.has(n));
      if (pending.length > 0) throw new Error(`pending: ${pending.join(', ')}`);
    },
  };
}

/** The database answers a trivial query. */
export function databaseProbe(db: { $queryRaw: Db['$queryRaw'] }): ReadinessCheck {
  return {
    name: 'database',
    run: async () => {
      await db.$queryRaw`SELECT 1`;
    },
  };
}

/**
 * A readiness check for Temporal on its own lazy connection without the SDK's
 * retry interceptor: a probe should fail fast, and a retry the interceptor
 * schedules during an outage would fire on a closed channel after shutdown.
 */
export function temporalProbe(target: TemporalTarget, timeoutMs: number): ReadinessCheck & { close(): Promise<void> } {
  const connection = Connection.lazy({
    address: target.address,
    tls: target.tls || undefined,
    apiKey: target.apiKey,
    interceptors: [],
  });
  return {
    name: 'temporal',
    run: async () => {
      await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}));
    },
    close: () => connection.close(),
  };
}
