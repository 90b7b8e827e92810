// processEvent: one partner event, from "Temporal holds it" to "our copy is
// current". Fetch the object's state from the partner (or trust the payload),
// apply it through the version-guarded upsert, record the outcome. Partner calls
// retry on the connection's schedule; database calls retry without limit,
// because a database outage must delay an event, never lose it.
import { ActivityFailure, ApplicationFailure, log, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES, type ProcessEventInput, type ProcessEventResult, type WireObjectState } from '../shared/processEvent';
import { SA_STATUS } from '../temporal/searchAttributes';

type Activities = ReturnType<typeof createActivities>;

export async function processEvent(input: ProcessEventInput): Promise<ProcessEventResult> {
  const partner = proxyActivities<Activities>({
    startToCloseTimeout: '60s',
    retry: {
      initialInterval: input.retry.initialIntervalMs,
      backoffCoefficient: input.retry.backoffCoefficient,
      maximumInterval: input.retry.maximumIntervalMs,
      maximumAttempts: input.retry.maximumAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
  });
  const local = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  });
  const ref = { connectionId: input.connectionId, objectType: input.objectType, objectId: input.objectId };

  let state: WireObjectState;
  try {
    state = input.trustPayload
      ? await local.stateFromPayload({ connectionId: input.connectionId, eventRowId: input.eventRowId, inlinePayload: input.inlinePayload })
      : await partner.fetchObjectState({ ...ref, eventRowId: input.eventRowId, expectedVersion: input.objectVersion });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const message = err.cause?.message ?? err.message;
    log.warn('event.failed', { eventId: input.eventId, connectionId: input.connectionId, error: message });
    await local.recordEventOutcome({ eventRowId: input.eventRowId, status: 'failed', error: message });
    upsertSearchAttributes([{ key: SA_STATUS, value: 'failed' }]);
    throw ApplicationFailure.nonRetryable(`event ${input.eventId} could not be processed: ${message}`, 'EventProcessingFailed');
  }

  const applied = await local.applyObjectState({ ...ref, state, source: `webhook:${input.eventId}` });
  await local.recordEventOutcome({ eventRowId: input.eventRowId, status: 'processed', outcome: applied.outcome, appliedVersion: applied.version });
  upsertSearchAttributes([{ key: SA_STATUS, value: 'processed' }]);
  log.info('event.processed', { eventId: input.eventId, outcome: applied.outcome, workflowId: workflowInfo().workflowId });
  return { status: 'processed', outcome: applied.outcome, version: applied.version };
}
