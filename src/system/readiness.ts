// Readiness for /readyz (API and worker). Every check runs at once, each with
// its own deadline, so a silent dependency (a partitioned database) answers
// "unready" within READINESS_TIMEOUT_MS instead of hanging the probe. The
// reason names each failing dependency: "database: ...; temporal: ...".
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
