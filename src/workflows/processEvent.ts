// processEvent: one partner event, from "Temporal holds it" to "our copy is
// current", and nothing in between may lose it.
//   0. record the delivery on its webhook_events row (a local activity), unless
//      the receiver already did (large payloads); a row that an earlier run
//      already processed ends this run as a duplicate;
//   1. fetch the object's state from the partner (or trust the payload), on the
//      connection's retry schedule;
//   2. apply it through the version-guarded upsert; resolve parked events of the
//      same object that this write supersedes; record the outcome;
//   3. when the partner keeps failing (retries spent, or a permanent error) the
//      event is parked: recorded, searchable (SynclineStatus = "parked"),
//      alerted on, and the workflow waits for an operator to replay or skip it,
//      or for a newer version of its object to supersede it.
// Database activities retry without limit: an outage delays an event, never loses it.
// Cost (issue 17, BENCHMARKS.md "Cost"): runs whose first task a generation-3
// worker completed (src/contracts/workflowGeneration.ts) take the start and one
// workflow task whose local activities (registration, then the fetch with apply,
// record and supersede in one transaction) are one marker batch: 2 Actions per
// event by the server's own count. Generation-2 runs keep their regular
// `fetchAndFinish` activity (3 Actions, one more workflow task and an activity
// task). SynclineStatus is set to `processing` by the start and
// upserted (1 Action each) only where it must change for the Web UI: a run that
// completes while still `processing` was processed (docs/web-ui.md).
// Acted on from outside (issue 16, docs/web-ui.md):
//  - a cancellation request ends the run cleanly: in a non-cancellable scope the
//    row is recorded as `cancelled` (and the SynclineStatus), then the run ends
//    as cancelled; `events replay` starts a new run for it;
//  - termination runs no code here: the sweep (src/workflows/sweepClosedEvents.ts)
//    settles the row as `terminated`;
//  - signals and updates carry any JSON: handlers parse it first
//    (src/contracts/messageValidation.ts); a bad signal is logged and ignored,
//    a bad update is rejected by its validator. Nothing a sender sends fails the task.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type ActionResult,
  deliveryFactsOf,
  DEFAULT_FETCH_TIMEOUT_MS,
  type EventState,
  type EventStatus,
  type OperatorRequest,
  type ProcessEventInput,
  type ProcessEventResult,
  type WireObjectState,
} from '../contracts/processEventContract';
import { describePayload, parseOperatorRequest, parseSupersedeNotice } from '../contracts/messageValidation';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { PayloadNotTrustedError } from '../errors/ingestErrors';
import { type Activities, DATABASE_STEP_RETRY, databaseSteps } from './activityProxies';
import { SA_STATUS } from '../temporal/searchAttributes';
import { generationOf } from '../contracts/workflowGeneration';
import {
  replaySignal,
  replayUpdate,
  skipSignal,
  skipUpdate,
  stateQuery,
  supersedeSignal,
} from '../contracts/processEventMessages';

/**
 * The path's first versioning, kept for the runs it decided. A run whose first task a
 * generation-1 worker completed calls patched(): runs recorded without this marker (before
 * issue 17) take the old path (an upsert to `processing`, fetchObjectState, then
 * applyObjectState, recordEventOutcome and supersedeParkedEvents as three activities, and
 * an upsert to `processed`); runs with it, and generation-1 runs a newer worker continues,
 * the new one. Generation 2 takes the new path without the marker (and its upsert).
 */
export const FEWER_ACTIONS_PATCH = 'one-activity-one-local-batch';
type Pending =
  | { kind: 'replay'; req: OperatorRequest }
  | { kind: 'skip'; req: OperatorRequest }
  | { kind: 'superseded'; by: string; reason: string };

export async function processEvent(input: ProcessEventInput): Promise<ProcessEventResult> {
  // The partner fetch: the connection's retry schedule (each attempt also sets its next delay from
  // input.retry.scheduleMs, src/activities/partner.ts); spent or permanent, the event is parked.
  const fetchTimeout = input.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const partnerRetry = {
    initialInterval: input.retry.initialIntervalMs,
    backoffCoefficient: input.retry.backoffCoefficient,
    maximumInterval: input.retry.maximumIntervalMs,
    maximumAttempts: input.retry.maximumAttempts,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  };
  const partner = proxyActivities<Activities>({ startToCloseTimeout: fetchTimeout, retry: partnerRetry });
  // Generation 3 fetches as a local activity, in the registration's workflow task. The worker
  // retries it in place while the next delay is at most the SDK's localRetryThreshold (1 min): no
  // event, no Action, the workflow task kept open by heartbeats. A longer delay (the default
  // schedule's 5 min and later) ends the task with the attempt's failure marker and a timer: 2
  // more Actions per such retry (the timer, and the marker batch of the task that tries again).
  // Attempts retried in place are in no event: a worker lost meanwhile leaves the next worker to
  // start again from the last marker's attempt (attempt 1 if none), so a partner may see more
  // attempts than maximumAttempts when workers die. The row notes each attempt (noteFetchAttempt).
  const partnerLocal = proxyLocalActivities<Activities>({ startToCloseTimeout: fetchTimeout, retry: partnerRetry });
  // Database steps: retried without limit (an outage delays the event, never loses it).
  const db = databaseSteps('30s');
  // Recording the row is one short statement: a local activity (no task queue round trip),
  // retried without limit like every database step.
  const registrar = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: DATABASE_STEP_RETRY });
  // The finish (apply, outcome, supersede in one transaction) when the fetch activity could not do it,
  // and the trusted payload: local activities, retried without limit like every database step.
  const localDb = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s', retry: DATABASE_STEP_RETRY });
  // An alert that cannot be delivered must not hold the event hostage: bounded retries, then logged.
  const alerts = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: '2s', maximumAttempts: 5 },
  });

  const state: EventState = { status: 'processing', runs: 0, lastError: null, actions: [] };
  // Set by the signal and update handlers; taken (and cleared) by the loop once it waits for an operator.
  let pending = null as Pending | null;
  const who = `${input.eventType} ${input.objectType}/${input.objectId}`;
  const registration = () => deliveryFactsOf(input, Date.now());
  // Before any command, in replay too: the generation of the worker that completed the first task
  // decides the path for the whole run (generation 1: the patch marker does).
  const generation = generationOf(workflowInfo().currentDeploymentVersion?.buildId);
  const lean = generation >= 2 || patched(FEWER_ACTIONS_PATCH);
  const fetcher = generation >= 3 ? partnerLocal : partner;
  // The SynclineStatus this run has set (the start sets `processing`); only the old path upserts an unchanged value.
  let shownStatus: EventStatus | null = lean ? 'processing' : null;
  const setStatus = (status: EventStatus, details: string) => {
    state.status = status;
    if (!lean || status !== shownStatus) upsertSearchAttributes([{ key: SA_STATUS, value: status }]);
    shownStatus = status;
    setCurrentDetails(
      `**${status}**: ${details}\n\nEvent \`${input.eventId}\` on connection \`${input.connectionId}\` (connector ${input.connector}).`,
    );
  };
  // Processed at the first try: a Completed run still showing `processing` says so, without an upsert.
  const setProcessed = (details: string) => {
    if (!lean || shownStatus !== 'processing') return setStatus('processed', details);
    state.status = 'processed';
    setCurrentDetails(
      `**processed**: ${details}\n\nEvent \`${input.eventId}\` on connection \`${input.connectionId}\` (connector ${input.connector}).`,
    );
  };
  // True from the moment the workflow decides to park until its status says so. The row turns
  // 'parked' (parkEvent) before the workflow's own status does, and an operator who sees the row
  // may act at once; an in-memory flag (no command) keeps replay of older histories deterministic.
  let parking = false;
  const isParked = () => state.status === 'parked' || parking;
  const requireParked = (req: unknown, needReason: boolean) => {
    const parsed = parseOperatorRequest(req);
    if (!parsed.ok) throw new Error(parsed.error);
    if (!isParked()) throw new Error(`event is ${state.status}, not parked`);
    if (needReason && !parsed.value.reason?.trim()) throw new Error('a reason is required to skip an event');
  };
  const ignored = (signal: string, why: string, payload: unknown) =>
    log.warn('signal.ignored', { signal, why, payload: describePayload(payload), eventId: input.eventId });
  const awaitOutcome = async (runsBefore: number, action: ActionResult['action']): Promise<ActionResult> => {
    await condition(
      () =>
        state.runs > runsBefore ||
        state.status === 'skipped' ||
        state.status === 'superseded' ||
        (action === 'replay' && state.status === 'processed'),
    );
    await condition(() => state.status !== 'replaying');
    return { action, status: state.status, lastError: state.lastError };
  };

  setHandler(stateQuery, () => state);
  setHandler(
    replayUpdate,
    async (req) => {
      const runs = state.runs;
      pending = { kind: 'replay', req: { by: req.by, reason: req.reason } };
      return awaitOutcome(runs, 'replay');
    },
    { validator: (req) => requireParked(req, false) },
  );
  setHandler(
    skipUpdate,
    async (req) => {
      const runs = state.runs;
      pending = { kind: 'skip', req: { by: req.by, reason: req.reason } };
      return awaitOutcome(runs, 'skip');
    },
    { validator: (req) => requireParked(req, true) },
  );
  setHandler(replaySignal, (raw: unknown) => {
    const req = parseOperatorRequest(raw);
    if (!req.ok) return ignored(replaySignal.name, req.error, raw);
    if (isParked()) pending = { kind: 'replay', req: req.value };
  });
  setHandler(skipSignal, (raw: unknown) => {
    const req = parseOperatorRequest(raw);
    if (!req.ok) return ignored(skipSignal.name, req.error, raw);
    if (!req.value.reason?.trim()) return ignored(skipSignal.name, 'a reason is required to skip an event', raw);
    if (isParked()) pending = { kind: 'skip', req: req.value };
  });
  setHandler(supersedeSignal, (raw: unknown) => {
    const notice = parseSupersedeNotice(raw);
    if (!notice.ok) return ignored(supersedeSignal.name, notice.error, raw);
    if (isParked())
      pending = {
        kind: 'superseded',
        by: 'syncline',
        reason: `object reached version ${notice.value.version} via ${notice.value.source}`,
      };
  });

  // Histories from before the thin ack always carry eventRowId, so they never schedule registration.
  let eventRowId = input.eventRowId;
  try {
    setStatus('processing', `fetching ${who}`);
    if (eventRowId === null) {
      const registered = await registrar.registerEvent(registration());
      if (registered.alreadyFinal) {
        setStatus(
          'duplicate',
          `${who} was already processed by an earlier run (row status ${registered.status}); nothing to do`,
        );
        return { status: 'duplicate', outcome: null, version: null, runs: 0 };
      }
      eventRowId = registered.eventRowId;
    }
    const event = { ...input, eventRowId };
    for (;;) {
      state.runs += 1;
      const attempt = lean ? await processOnceLean(event, fetcher, localDb) : await processOnce(event, partner, db);
      if (attempt.ok) {
        state.lastError = null;
        setProcessed(`${who} ${attempt.outcome} at version ${attempt.version ?? 'none'}`);
        await condition(allHandlersFinished);
        return { status: 'processed', outcome: attempt.outcome, version: attempt.version, runs: state.runs };
      }

      state.lastError = attempt.error;
      parking = true;
      await db.parkEvent({ eventRowId, error: attempt.error });
      parking = false;
      setStatus(
        'parked',
        `${who} failed: ${attempt.error}. Replay or skip it (npx syncline events replay ${input.connectionId} ${input.eventId}).`,
      );
      log.warn('event.parked', { eventId: input.eventId, connectionId: input.connectionId, error: attempt.error });
      try {
        await alerts.alertParked({ eventRowId, workflowId: workflowInfo().workflowId });
      } catch (err) {
        if (isCancellation(err)) throw err;
        log.error('alert.undeliverable', { eventId: input.eventId, error: String(err) });
      }

      await condition(() => pending !== null);
      const action = pending!;
      pending = null;
      if (action.kind === 'replay') {
        state.actions.push({
          action: 'replay',
          by: action.req.by,
          reason: action.req.reason ?? null,
          atMs: Date.now(),
        });
        await db.recordOperatorAction({
          eventRowId,
          action: 'replay',
          by: action.req.by,
          reason: action.req.reason ?? null,
        });
        setStatus('replaying', `replay requested by ${action.req.by}`);
        continue;
      }
      const by = action.kind === 'skip' ? action.req.by : action.by;
      const reason = action.kind === 'skip' ? (action.req.reason ?? '') : action.reason;
      const final = action.kind === 'skip' ? 'skipped' : 'superseded';
      state.actions.push({ action: action.kind, by, reason, atMs: Date.now() });
      await db.resolveParkedEvent({ eventRowId, status: final, action: action.kind, by, reason });
      setStatus(final, `${final} by ${by}: ${reason}`);
      await condition(allHandlersFinished);
      return { status: final, outcome: null, version: null, runs: state.runs };
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled (Web UI "Request Cancellation", `temporal workflow cancel`): settle the row and the
    // search attribute before ending, whatever step was cut short. Each step below is idempotent.
    await CancellationScope.nonCancellable(async () => {
      if (eventRowId === null) {
        const registered = await registrar.registerEvent(registration());
        if (!registered.alreadyFinal) eventRowId = registered.eventRowId;
      }
      const rowStatus = eventRowId === null ? 'processed' : await db.cancelEvent({ eventRowId });
      if (rowStatus === 'cancelled')
        setStatus(
          'cancelled',
          `${who} was cancelled from outside. Replay it with npx syncline events replay ${input.connectionId} ${input.eventId}.`,
        );
      else setStatus(state.status, `${who}: cancelled from outside after its row became ${rowStatus}`);
      log.warn('event.cancelled', { eventId: input.eventId, connectionId: input.connectionId, rowStatus });
    });
    throw err;
  }
}

/**
 * One try on the issue 17 path. A trusted payload: its state and the finish as local
 * activities (one marker batch with the registration). Otherwise fetchAndFinish through
 * `partner`: a local activity in generation 3, a regular one in generation 2; only when
 * its finish failed on the database does a local finish follow.
 */
async function processOnceLean(
  input: ProcessEventInput & { eventRowId: string },
  partner: Activities,
  localDb: Activities,
): Promise<Attempt> {
  const ref = { connectionId: input.connectionId, objectType: input.objectType, objectId: input.objectId };
  const sealed = { eventId: input.eventId, eventType: input.eventType, seal: input.seal };
  const source = `webhook:${input.eventId}`;
  const finishArgs = { ...ref, eventRowId: input.eventRowId, source };
  try {
    if (input.trustPayload) {
      const trusted = await localDb
        .stateFromPayload({
          ...ref,
          ...sealed,
          eventRowId: input.eventRowId,
          inlinePayload: input.inlinePayload,
          objectVersion: input.objectVersion,
        })
        .catch((err: unknown) => {
          // The payload may not be written (connection changed its mind, or the input is not the receiver's): ask the partner.
          if (activityErrorOf(err)?.type === PayloadNotTrustedError.meaning.type) return null;
          throw err;
        });
      if (trusted !== null) {
        const finished = await localDb.finishEvent({ ...finishArgs, state: trusted });
        return { ok: true, outcome: finished.outcome, version: finished.version };
      }
    }
    const fetched = await partner.fetchAndFinish({
      ...finishArgs,
      ...sealed,
      expectedVersion: input.objectVersion,
      retryScheduleMs: input.retry.scheduleMs,
      maximumAttempts: input.retry.maximumAttempts,
    });
    const finished = fetched.applied ? fetched : await localDb.finishEvent({ ...finishArgs, state: fetched.state });
    return { ok: true, outcome: finished.outcome, version: finished.version };
  } catch (err) {
    const cause = activityErrorOf(err);
    if (!cause || isCancellation(err)) throw err;
    return { ok: false, error: `${cause.type ? `${cause.type}: ` : ''}${cause.message}` };
  }
}

/**
 * The application error an activity failed with. A regular activity's failure arrives as an
 * ActivityFailure around it; a local activity's arrives bare (seen with SDK 1.24: a
 * PayloadNotTrustedError from stateFromPayload failed the whole run when only the wrapped shape
 * was matched), except a timeout or cancellation, which sdk-core wraps in an ActivityFailure
 * (a generation-3 fetch whose last attempt timed out parks like a generation-2 one).
 * Anything else (a cancellation, a workflow bug) is not an activity's error.
 */
function activityErrorOf(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    return cause instanceof ApplicationFailure
      ? cause
      : ApplicationFailure.create({ message: cause?.message ?? err.message });
  }
  return undefined;
}

type Attempt =
  { ok: true; outcome: ProcessEventResult['outcome'] & string; version: number | null } | { ok: false; error: string };

async function processOnce(
  input: ProcessEventInput & { eventRowId: string },
  partner: Activities,
  db: Activities,
): Promise<Attempt> {
  const ref = { connectionId: input.connectionId, objectType: input.objectType, objectId: input.objectId };
  // What the receiver sealed: the activities believe the input only with a valid seal (src/activities/partner.ts).
  const sealed = { eventId: input.eventId, eventType: input.eventType, seal: input.seal };
  const fetch = () =>
    partner.fetchObjectState({
      ...ref,
      ...sealed,
      eventRowId: input.eventRowId,
      expectedVersion: input.objectVersion,
      retryScheduleMs: input.retry.scheduleMs,
      maximumAttempts: input.retry.maximumAttempts,
    });
  let objectState: WireObjectState;
  try {
    objectState = input.trustPayload
      ? await db
          .stateFromPayload({
            ...ref,
            ...sealed,
            eventRowId: input.eventRowId,
            inlinePayload: input.inlinePayload,
            objectVersion: input.objectVersion,
          })
          .catch((err: unknown) => {
            // The payload may not be written (connection changed its mind, or the input is not the receiver's): ask the partner.
            if (
              err instanceof ActivityFailure &&
              (err.cause as ApplicationFailure | undefined)?.type === PayloadNotTrustedError.meaning.type
            )
              return fetch();
            throw err;
          })
      : await fetch();
  } catch (err) {
    if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
    const cause = err.cause;
    const type = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ` : '';
    return { ok: false, error: `${type}${cause?.message ?? err.message}` };
  }
  const source = `webhook:${input.eventId}`;
  const applied = await db.applyObjectState({ ...ref, state: objectState, source });
  await db.recordEventOutcome({
    eventRowId: input.eventRowId,
    status: 'processed',
    outcome: applied.outcome,
    appliedVersion: applied.version,
  });
  if (applied.outcome !== 'unchanged') {
    await db.supersedeParkedEvents({
      connectionId: input.connectionId,
      objects: [{ objectType: input.objectType, objectId: input.objectId }],
      source,
      exceptEventRowId: input.eventRowId,
    });
  }
  return { ok: true, outcome: applied.outcome, version: applied.version };
}
