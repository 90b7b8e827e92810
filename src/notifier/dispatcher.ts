// The dispatcher turns PostgreSQL NOTIFYs on `syncline_changes` into at most one
// wake signal per connection per NOTIFY_BATCH_WINDOW_MS, so the number of
// Temporal Actions follows batch windows, not events. One dispatcher per task
// queue is active (a session-level advisory lock on its own connection); the
// others wait to take over. Contract:
//   - a connection is woken only once the change that was notified is readable
//     by the feed (its transaction is below the horizon); until then it stays
//     pending and is checked again each window;
//   - a NOTIFY lost while no dispatcher listened (restart, failover) is caught by
//     the sweep, at leadership start and every NOTIFY_SWEEP_INTERVAL_MS, which
//     wakes every enabled, unparked connection with undelivered readable changes;
//   - only connections with a product endpoint are woken; parked ones are not
//     (their notifier probes on its own, or an operator resumes it);
//   - a parked connection whose notifier is not running (terminated or cancelled
//     from the Web UI or CLI while parked) gets one started by the same sweep,
//     beginning parked: it probes on its interval, as the closed one did, and
//     nothing stays parked with no workflow to recover it (issue 16).
// A missed or extra wake never loses or repeats a change: the notifier reads
// the feed from the delivered cursor each time.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import pg from 'pg';
import type { Env } from '../config';
import type { ConnectionRepository } from '../connections/repository';
import { notifierWorkflowId } from '../contracts/notifyContract';
import type { Db } from '../db/prisma';
import type { Logger } from '../infra/log';
import { findConnectionRow } from '../store/connectionRows';
import { decodeCursor } from '../store/feedCursor';
import { connectionsWithBacklog, isBelowHorizon, isParked, parkedConnections } from '../store/productNotifications';
import { notifierInput, notifyDepsFromEnv } from '../notifications/notifyConfig';
import { resolveEndpoint } from '../notifications/endpoint';
import { wakeNotifier } from './signalNotifier';

export const CHANGES_CHANNEL = 'syncline_changes';
/** How often a standby dispatcher tries to take the lock, and a failed listener to reconnect. */
const STANDBY_RETRY_MS = 5_000;

export interface DispatcherDeps {
  env: Env;
  databaseUrl: string;
  db: Db;
  connections: ConnectionRepository;
  temporal: Client;
  taskQueue: string;
  log: Logger;
}

export interface Dispatcher {
  stop(): Promise<void>;
  /** Whether this process holds the lock (tests wait on it). */
  readonly leading: boolean;
}

export function startDispatcher(d: DispatcherDeps): Dispatcher {
  const windowMs = Math.max(1, d.env.NOTIFY_BATCH_WINDOW_MS);
  const notify = notifyDepsFromEnv(d.env);
  /** Per connection: the newest notified transaction not yet woken for. */
  const pending = new Map<string, bigint>();
  let flushTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let client: pg.Client | undefined;
  let stopped = false;
  let leading = false;

  async function notified(connectionId: string): Promise<boolean> {
    if (await isParked(d.db, connectionId)) return false;
    const conn = await d.connections.find(connectionId);
    const row = await findConnectionRow(d.db, connectionId);
    if (!conn || !row || !conn.enabled) return false;
    try {
      return resolveEndpoint({ ...conn, rawSettings: row.settings }, notify.globals) !== null;
    } catch {
      return true; // misconfigured: the notifier parks and alerts with the reason
    }
  }

  async function wake(connectionId: string): Promise<void> {
    if (!(await notified(connectionId))) return;
    await wakeNotifier(d.temporal, d.taskQueue, notifierInput(d.env, connectionId));
  }

  async function flush(): Promise<void> {
    flushTimer = undefined;
    for (const [connectionId, xid] of [...pending]) {
      try {
        if (!(await isBelowHorizon(d.db, xid))) continue;
        if (pending.get(connectionId) === xid) pending.delete(connectionId);
        await wake(connectionId);
      } catch (err) {
        d.log.warn({ event: 'notify.wake_failed', connectionId, err: (err as Error).message }, 'wake failed');
        pending.set(connectionId, pending.get(connectionId) ?? xid);
      }
    }
    if (pending.size > 0 && !stopped) flushTimer = setTimeout(() => void flush(), windowMs);
  }

  function onNotification(msg: pg.Notification): void {
    if (msg.channel !== CHANGES_CHANNEL || !msg.payload) return;
    let parsed: { connectionId?: unknown; cursor?: unknown };
    try {
      parsed = JSON.parse(msg.payload) as typeof parsed;
    } catch {
      return;
    }
    const position = typeof parsed.cursor === 'string' ? decodeCursor(parsed.cursor) : null;
    if (typeof parsed.connectionId !== 'string' || !position) return;
    const known = pending.get(parsed.connectionId);
    if (known === undefined || position.xid > known) pending.set(parsed.connectionId, position.xid);
    flushTimer ??= setTimeout(() => void flush(), windowMs);
  }

  /** Whether the connection's notifier workflow is open (a describe: no Temporal Action). */
  async function notifierRunning(connectionId: string): Promise<boolean> {
    try {
      const desc = await d.temporal.workflow.getHandle(notifierWorkflowId(connectionId)).describe();
      return desc.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  async function restartParked(connectionId: string): Promise<void> {
    if (await notifierRunning(connectionId)) return;
    d.log.warn({ event: 'notify.parked_restarted', connectionId }, 'parked notifier had no workflow: restarted');
    await wakeNotifier(d.temporal, d.taskQueue, { ...notifierInput(d.env, connectionId), parked: true });
  }

  /** One connection's failure (its secrets unreadable, a Temporal error) is logged and never stops the others'. */
  async function eachConnection(ids: string[], f: (connectionId: string) => Promise<void>): Promise<void> {
    for (const connectionId of ids) {
      try {
        await f(connectionId);
      } catch (err) {
        d.log.warn({ event: 'notify.sweep_failed', connectionId, err: (err as Error).message }, 'sweep step failed');
      }
    }
  }

  async function sweep(): Promise<void> {
    try {
      await eachConnection(await connectionsWithBacklog(d.db), wake);
      await eachConnection(await parkedConnections(d.db), restartParked);
    } catch (err) {
      d.log.warn({ event: 'notify.sweep_failed', err: (err as Error).message }, 'notification sweep failed');
    }
    if (!stopped && leading && d.env.NOTIFY_SWEEP_INTERVAL_MS > 0)
      sweepTimer = setTimeout(() => void sweep(), d.env.NOTIFY_SWEEP_INTERVAL_MS);
  }

  function retryLater(): void {
    if (!stopped) retryTimer = setTimeout(() => void lead(), STANDBY_RETRY_MS);
  }

  async function lead(): Promise<void> {
    const c = new pg.Client({ connectionString: d.databaseUrl });
    c.on('error', () => undefined);
    try {
      await c.connect();
      const [row] = (
        await c.query<{ got: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS got', [
          `syncline-notify:${d.taskQueue}`,
        ])
      ).rows;
      if (!row?.got || stopped) {
        await c.end();
        return retryLater();
      }
      client = c;
      c.on('notification', onNotification);
      c.on('end', () => {
        leading = false;
        client = undefined;
        clearTimeout(sweepTimer);
        retryLater();
      });
      await c.query(`LISTEN ${CHANGES_CHANNEL}`);
      leading = true;
      d.log.info({ event: 'notify.dispatcher_leading', taskQueue: d.taskQueue }, 'notification dispatcher active');
      await sweep();
    } catch (err) {
      d.log.warn({ event: 'notify.dispatcher_failed', err: (err as Error).message }, 'notification dispatcher');
      await c.end().catch(() => undefined);
      if (client !== c) retryLater();
    }
  }

  void lead();
  return {
    get leading() {
      return leading;
    },
    async stop() {
      stopped = true;
      clearTimeout(flushTimer);
      clearTimeout(sweepTimer);
      clearTimeout(retryTimer);
      const c = client;
      client = undefined;
      leading = false;
      await c?.end().catch(() => undefined);
    },
  };
}
