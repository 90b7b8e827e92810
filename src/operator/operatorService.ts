// What operators can do to events, shared by the ops CLI and the admin API:
// look (list, show with history summary and Web UI link), replay, skip, and
// bulk replay/skip over a visibility query with a dry run that only counts.
// Single actions use the workflow's validated updates (typed result); bulk
// actions use signals so thousands of events do not wait on each other. A
// replay can also return as soon as the workflow has accepted it (`wait:
// false`): a partner still failing retryably would otherwise hold the caller
// for the whole retry schedule (hours, by default).
// An event whose workflow is closed (terminated or cancelled from the Web UI,
// or gone) cannot be asked anything: a replay starts a new run with the closed
// run's input (read from its history), and a skip settles the row directly.
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { workflowLink, type LinkConfig } from '../alerts/links';
import type { Db } from '../db/prisma';
import type { ActionResult, EventState, OperatorRequest, ProcessEventInput } from '../contracts/processEventContract';
import { EventStarter } from '../ingest/starter';
import { CLOSED_FROM_OUTSIDE, SUPERSEDABLE_STATUSES } from '../store/eventTransitions';
import { replaySignal, replayUpdate, skipSignal, skipUpdate, stateQuery } from '../contracts/processEventMessages';
import { type EventFilter, visibilityQuery } from './filter';
import { summarizeHistory, type HistorySummary } from './history';
import { decodeHistoryPayload } from '../temporal/dataConverter';
import { EventNotFoundError, OperatorActionRejectedError } from '../errors/operatorErrors';
import {
  type EventListFilter,
  findEventRow,
  listEventRows,
  listOperatorActions,
  reopenEventRow,
  settleEventRow,
} from '../store/webhookEvents';

export interface BulkRequest extends OperatorRequest {
  action: 'replay' | 'skip';
  filter: EventFilter;
  dryRun: boolean;
}

export interface BulkResult {
  query: string;
  matched: number;
  acted: number;
  failed: number;
  dryRun: boolean;
}

const BULK_CONCURRENCY = 16;
/** How long a replay's start may take before the operator is told Temporal did not answer. */
const RESTART_TIMEOUT_MS = 10_000;
/** Row statuses whose workflow may be closed while the event still waits: a replay or skip acts on the row itself. */
const ACTIONABLE_WHEN_CLOSED: readonly string[] = ['parked', 'accepted', 'received', ...CLOSED_FROM_OUTSIDE];

export class OperatorService {
  constructor(
    private readonly db: Db,
    private readonly client: Client,
    private readonly links: LinkConfig,
  ) {}

  async findEvent(connectionId: string, eventId: string) {
    const row = await findEventRow(this.db, connectionId, eventId);
    if (!row) throw new EventNotFoundError(`no event ${eventId} on connection ${connectionId}`);
    return row;
  }

  listEvents(f: EventListFilter) {
    return listEventRows(this.db, { ...f, limit: Math.min(f.limit ?? 50, 1000) });
  }

  async showEvent(connectionId: string, eventId: string) {
    const row = await this.findEvent(connectionId, eventId);
    const { payload: _payload, ...event } = row;
    const actions = await listOperatorActions(this.db, row.id);
    let workflow: { status: string; state?: EventState; history?: HistorySummary; error?: string } | undefined;
    try {
      const handle = this.client.workflow.getHandle(row.workflowId);
      const d = await handle.describe();
      const history = summarizeHistory(await handle.fetchHistory());
      const state = d.status.name === 'RUNNING' ? await handle.query(stateQuery) : undefined;
      workflow = { status: d.status.name, state, history };
    } catch (err) {
      workflow = { status: 'unknown', error: `Temporal could not describe the workflow: ${(err as Error).message}` };
    }
    return { event, actions, workflow, link: workflowLink(this.links, row.workflowId) };
  }

  replay(
    connectionId: string,
    eventId: string,
    req: OperatorRequest,
    opts: { wait?: boolean } = {},
  ): Promise<ActionResult> {
    return this.act(connectionId, eventId, 'replay', req, opts.wait ?? true);
  }

  skip(connectionId: string, eventId: string, req: OperatorRequest): Promise<ActionResult> {
    return this.act(connectionId, eventId, 'skip', req, true);
  }

  async bulk(req: BulkRequest): Promise<BulkResult> {
    const query = visibilityQuery(req.filter);
    if (req.action === 'skip' && !req.reason?.trim())
      throw new OperatorActionRejectedError('a reason is required to skip events');
    if (!req.by?.trim()) throw new OperatorActionRejectedError('"by" (who is acting) is required');
    if (req.dryRun) {
      const { count } = await this.client.workflow.count(query);
      return { query, matched: count, acted: 0, failed: 0, dryRun: true };
    }
    const signal = req.action === 'replay' ? replaySignal : skipSignal;
    let matched = 0,
      acted = 0,
      failed = 0;
    const inFlight = new Set<Promise<void>>();
    for await (const wf of this.client.workflow.list({ query })) {
      matched += 1;
      const p = this.client.workflow
        .getHandle(wf.workflowId, wf.runId)
        .signal(signal, { by: req.by, reason: req.reason })
        .then(
          () => void (acted += 1),
          () => void (failed += 1),
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= BULK_CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return { query, matched, acted, failed, dryRun: false };
  }

  private async act(
    connectionId: string,
    eventId: string,
    action: 'replay' | 'skip',
    req: OperatorRequest,
    wait: boolean,
  ): Promise<ActionResult> {
    const row = await this.findEvent(connectionId, eventId);
    const handle = this.client.workflow.getHandle(row.workflowId);
    const update = action === 'replay' ? replayUpdate : skipUpdate;
    try {
      if (wait) return await handle.executeUpdate(update, { args: [req] });
      // Accepted: the validator found the event parked and the replay has begun.
      await handle.startUpdate(update, { args: [req], waitForStage: WorkflowUpdateStage.ACCEPTED });
      return { action, status: 'replaying', lastError: row.lastError };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw new OperatorActionRejectedError(err.cause?.message ?? err.message);
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (!ACTIONABLE_WHEN_CLOSED.includes(row.status))
        throw new OperatorActionRejectedError(`event ${eventId} is ${row.status}; its workflow is no longer running`);
      return action === 'replay' ? this.restart(row, req) : this.skipClosed(row, req);
    }
  }

  /** A new run for an event whose run was closed from outside, with that run's input. */
  private async restart(
    row: { id: bigint; workflowId: string; eventId: string; lastError: string | null },
    req: OperatorRequest,
  ): Promise<ActionResult> {
    if (!req.by?.trim()) throw new OperatorActionRejectedError('"by" (who is acting) is required');
    const handle = this.client.workflow.getHandle(row.workflowId);
    let taskQueue: string, input: ProcessEventInput;
    try {
      const d = await handle.describe();
      if (d.status.name === 'RUNNING')
        throw new OperatorActionRejectedError(`event ${row.eventId} has a run in progress; try again`);
      taskQueue = d.taskQueue;
      const history = await handle.fetchHistory();
      const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      if (!payload) throw new Error('the closed run has no input');
      input = await decodeHistoryPayload<ProcessEventInput>(this.client, payload);
    } catch (err) {
      if (err instanceof OperatorActionRejectedError) throw err;
      throw new OperatorActionRejectedError(
        `event ${row.eventId}: its closed run cannot be read back from Temporal (${(err as Error).message}); ask the partner to re-deliver it`,
      );
    }
    const eventRowId = row.id.toString();
    if (
      !(await this.db.$transaction((tx) => reopenEventRow(tx, { eventRowId, by: req.by, reason: req.reason ?? null })))
    )
      throw new OperatorActionRejectedError(`event ${row.eventId} is no longer waiting to be replayed`);
    const outcome = await new EventStarter(this.client, taskQueue, RESTART_TIMEOUT_MS).start(row.workflowId, input);
    if (outcome === 'already-completed')
      throw new OperatorActionRejectedError(
        `event ${row.eventId}: Temporal refused a new run (its last run completed)`,
      );
    return { action: 'replay', status: 'replaying', lastError: row.lastError };
  }

  /** Skips an event no run is waiting on: the row is settled directly, audited. */
  private async skipClosed(row: { id: bigint; eventId: string }, req: OperatorRequest): Promise<ActionResult> {
    if (!req.by?.trim()) throw new OperatorActionRejectedError('"by" (who is acting) is required');
    if (!req.reason?.trim()) throw new OperatorActionRejectedError('a reason is required to skip an event');
    const moved = await this.db.$transaction((tx) =>
      settleEventRow(tx, {
        eventRowId: row.id.toString(),
        to: 'skipped',
        from: SUPERSEDABLE_STATUSES,
        action: 'skip',
        by: req.by,
        reason: req.reason!,
      }),
    );
    if (!moved)
      throw new OperatorActionRejectedError(
        `event ${row.eventId}: only a parked event, or one whose run was closed from outside, can be skipped without its workflow`,
      );
    return { action: 'skip', status: 'skipped', lastError: null };
  }
}
