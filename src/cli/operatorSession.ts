// The operator commands' way to src/operator: an OperatorService over the
// runtime's database and a Temporal client, closed when the command ends. The
// service's failures become the CLI's own (see errors.ts): an unknown event is
// not found (exit 1), an action the workflow refuses is refused (exit 1), a
// filter value the visibility query does not accept is a bad command line (2).
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import type { LinkConfig } from '../alerts/links';
import type { Env } from '../config';
import { OperatorService } from '../operator/operatorService';
import { temporalDataConverter } from '../temporal/dataConverter';
import { connectionOptions, targetFromEnv } from '../temporal/connection';
import type { Context } from './command';
import { EventNotFoundError, InvalidFilterError, OperatorActionRejectedError } from '../errors/operatorErrors';
import { NotFoundError, RefusedError, UnavailableError, UsageError } from '../errors/cliErrors';

const CONNECT_TIMEOUT_MS = 3_000;

export interface OperatorSession {
  ops: OperatorService;
  client: Client;
  /** The Temporal address the session talks to, for messages. */
  address: string;
  /** Why Temporal did not answer (only with `temporalOptional`); its calls should then be given no time. */
  unreachable?: string;
}

/** Web UI links: TEMPORAL_UI_URL, else the local dev server's UI (the CLI's usual partner). */
export function linkConfig(env: Env): LinkConfig {
  return {
    uiUrl: env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${env.TEMPORAL_DEV_UI_PORT}`,
    namespace: env.TEMPORAL_NAMESPACE,
  };
}

/** Who acts when --by is not given: `cli:<os user>`. */
export function defaultActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    // No passwd entry for the uid (some containers).
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/**
 * Temporal must answer within CONNECT_TIMEOUT_MS, or the command fails at once
 * (not after the client's retries). With `temporalOptional` (reads that show
 * the database's view even when Temporal is down) `fn` runs anyway, on a client
 * that never connected, and is told why in `unreachable`.
 */
export async function withOperator<T>(
  ctx: Context,
  opts: { temporalOptional?: boolean },
  fn: (s: OperatorSession) => Promise<T>,
): Promise<T> {
  const rt = await ctx.runtime();
  const target = targetFromEnv(ctx.env, `127.0.0.1:${ctx.env.TEMPORAL_DEV_PORT}`);
  const options = connectionOptions(target);
  let unreachable: string | undefined;
  const connection = await Connection.connect({ ...options, connectTimeout: CONNECT_TIMEOUT_MS }).catch(
    (err: Error) => {
      if (!opts.temporalOptional)
        throw new UnavailableError(`Temporal not reachable at ${target.address} (${err.message})`);
      unreachable = err.message;
      return Connection.lazy(options);
    },
  );
  try {
    const client = new Client({
      connection,
      namespace: target.namespace,
      dataConverter: temporalDataConverter(rt.codec),
    });
    return await fn({
      ops: new OperatorService(rt.db, client, linkConfig(ctx.env)),
      client,
      address: target.address,
      unreachable,
    });
  } catch (err) {
    if (err instanceof EventNotFoundError) throw new NotFoundError(err.message);
    if (err instanceof OperatorActionRejectedError) throw new RefusedError(err.message);
    if (err instanceof InvalidFilterError) throw new UsageError(err.message);
    throw err;
  } finally {
    await connection.close();
  }
}
