// notifyProduct: tells the product that a connection's records changed, one
// signed webhook per batch, and never moves the product's cursor past a batch
// the product did not answer 2xx to (the activity persists it after the 2xx).
//
// Temporal Actions (Cloud bills per Action; processEvent's budget is untouched,
// nothing here runs per event):
//   - per batch window with changes: 1 signal (the dispatcher's wake, at most one
//     per connection per NOTIFY_BATCH_WINDOW_MS) + 1 activity = 2 Actions, plus
//     1 per retry of a failing batch; a backlog larger than one batch costs one
//     activity per NOTIFY_BATCH_MAX_CHANGES changes, with no further signal;
//   - idle: 0 (the loop waits on a condition with no timer);
//   - parked: 1 timer + 1 activity per NOTIFY_PARK_PROBE_MS;
//   - continue-as-new every BATCHES_PER_EXECUTION batches: 1.
// When the activity's retries are spent the notifier parks: recorded on the
// connection's product_notifications row, alerted, and it waits for the resume
// signal (`syncline notifications resume`) or the next recovery probe.
// Acted on from outside (issue 16): terminated or cancelled, the next wake starts
// a new run (signal-with-start), and the dispatcher's sweep starts one for a
// connection with a backlog, or, for a row left `parked`, one that begins parked
// (input.parked). Reset re-runs from the delivered cursor (a batch may reach the
// product twice, never out of order: the cursor moves only from where it was).
// Signals take no arguments; whatever JSON comes with one is ignored.
import {
  ActivityFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  BATCHES_PER_EXECUTION,
  type BatchResult,
  type NotifyInput,
  notifierStateQuery,
  resumeSignal,
  wakeSignal,
} from '../contracts/notifyContract';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { type Activities, databaseSteps } from './activityProxies';

/** The product's own answer is bounded by NOTIFY_TIMEOUT_MS inside the activity; this covers reading the feed too. */
const DELIVERY_START_TO_CLOSE = '2m';

const db = databaseSteps('60s');

export async function notifyProduct(input: NotifyInput): Promise<void> {
  const deliver = proxyActivities<Activities>({
    startToCloseTimeout: DELIVERY_START_TO_CLOSE,
    retry: {
      initialInterval: input.retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: input.retry.maximumIntervalMs,
      maximumAttempts: input.retry.maximumAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
  }).deliverNotificationBatch;
  // A probe while parked is one attempt: the schedule already ran out.
  const probe = proxyActivities<Activities>({
    startToCloseTimeout: DELIVERY_START_TO_CLOSE,
    retry: { maximumAttempts: 1 },
  }).deliverNotificationBatch;

  let pending = input.pending ?? true;
  let resumeRequested = false;
  let status: 'active' | 'parked' = 'active';
  let batches = 0;
  setHandler(wakeSignal, () => {
    pending = true;
  });
  setHandler(resumeSignal, () => {
    resumeRequested = true;
    pending = true;
  });
  setHandler(notifierStateQuery, () => ({ status, batchesThisExecution: batches }));

  const args = { connectionId: input.connectionId, workflowId: workflowInfo().workflowId };
  if (input.parked) {
    // Restarted by the dispatcher's sweep for a row left parked by a run closed from outside.
    status = 'parked';
    const result = await waitParked(args, input.parkProbeIntervalMs);
    status = 'active';
    resumeRequested = false;
    if (result.more) pending = true;
  }
  for (;;) {
    await condition(() => pending);
    pending = false;
    let result: BatchResult;
    try {
      result = await deliver(args);
    } catch (err) {
      // A cancellation from outside ends the run: the row keeps its state, the next wake or sweep starts a new run.
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      status = 'parked';
      await db.parkNotifications({ ...args, error: err.cause?.message ?? err.message });
      log.warn('notifications parked', { connectionId: input.connectionId });
      result = await waitParked(args, input.parkProbeIntervalMs);
      status = 'active';
      resumeRequested = false;
    }
    batches++;
    if (result.more) pending = true;
    if (batches >= BATCHES_PER_EXECUTION) {
      await continueAsNew<typeof notifyProduct>({ ...input, pending, parked: undefined });
    }
  }

  /** Parked: one attempt per probe interval or per resume signal, until one batch is accepted. */
  async function waitParked(a: typeof args, probeMs: number): Promise<BatchResult> {
    for (;;) {
      await condition(() => resumeRequested, probeMs);
      resumeRequested = false;
      try {
        return await probe(a);
      } catch (err) {
        if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      }
    }
  }
}
