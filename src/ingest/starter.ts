// Hands an event to Temporal. Reuse policy ALLOW_DUPLICATE_FAILED_ONLY: an event
// whose run completed (processed) is never run again by a re-delivery, while a
// run that ended abnormally (terminated, timed out, failed by a bug) is started
// afresh by the partner's next retry instead of swallowing the event. Conflict
// policy USE_EXISTING: a duplicate delivery while the run is open attaches to it
// rather than failing. The call has a deadline so the partner gets an answer in
// time; past it, or with Temporal unreachable, the receiver answers 503.
//
// Temporal also says which call created the run (StartWorkflowExecutionResponse
// `started`, Temporal Server 1.24+): that call's delivery is the one answered
// 202; every other concurrent or later delivery attached to the same run and is
// answered 200 "duplicate". No database write is needed to arbitrate, and the
// arbiter is the party that actually holds the event.
//
// Everything partner-controlled that goes into the start (summary, details, search
// attributes) is cut to Temporal's limits (src/temporal/limits.ts). Should Temporal
// still refuse the start as invalid, the delivery is answered 422, not 503: a retry
// cannot succeed, and a 503 would make the partner retry until it disables the endpoint.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { ProcessEventInput } from '../contracts/processEventContract';
import { isGrpcServiceError } from '@temporalio/client';
import { EventRefusedError, TemporalUnavailableError } from '../errors/ingestErrors';
import {
  DETAILS_MAX_BYTES,
  SEARCH_ATTRIBUTE_VALUE_MAX_BYTES,
  SUMMARY_MAX_BYTES,
  truncateUtf8,
} from '../temporal/limits';
import { type CreationReportingStart, creationReportingStart } from '../temporal/creationReportingStart';
import { SA_CONNECTION, SA_CONNECTOR, SA_EVENT_TYPE, SA_OBJECT_ID, SA_STATUS } from '../temporal/searchAttributes';
import { processEvent } from '../workflows/processEvent';

/** `created`: this call made Temporal hold the event; `attached`: a run for it was already open. */
export type StartOutcome = 'created' | 'attached' | 'already-completed';

export class EventStarter {
  private readonly workflows: CreationReportingStart;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly ackTimeoutMs: number,
  ) {
    this.workflows = creationReportingStart(client);
  }

  async start(workflowId: string, input: ProcessEventInput): Promise<StartOutcome> {
    try {
      const created = await this.client.withDeadline(Date.now() + this.ackTimeoutMs, () =>
        this.workflows.start(processEvent, {
          taskQueue: this.taskQueue,
          workflowId,
          args: [input],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: new TypedSearchAttributes([
            { key: SA_CONNECTION, value: input.connectionId },
            { key: SA_CONNECTOR, value: input.connector },
            { key: SA_EVENT_TYPE, value: truncateUtf8(input.eventType, SEARCH_ATTRIBUTE_VALUE_MAX_BYTES) },
            { key: SA_OBJECT_ID, value: truncateUtf8(input.objectId, SEARCH_ATTRIBUTE_VALUE_MAX_BYTES) },
            { key: SA_STATUS, value: 'processing' },
          ]),
          staticSummary: truncateUtf8(
            `${input.eventType} ${input.objectType}/${input.objectId} (${input.connectionId})`,
            SUMMARY_MAX_BYTES,
          ),
          staticDetails: truncateUtf8(
            `Partner event ${input.eventId} on connection ${input.connectionId} (connector ${input.connector}); object ${input.objectType}/${input.objectId} version ${input.objectVersion ?? 'unknown'}.`,
            DETAILS_MAX_BYTES,
          ),
        }),
      );
      return created ? 'created' : 'attached';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-completed';
      const invalid = invalidArgument(err);
      if (invalid !== undefined) throw new EventRefusedError(`Temporal refused the event as invalid: ${invalid}`);
      throw new TemporalUnavailableError(`Temporal did not take the event: ${(err as Error).message}`);
    }
  }
}

/** gRPC status INVALID_ARGUMENT. */
const GRPC_INVALID_ARGUMENT = 3;

/** Temporal's InvalidArgument, as the SDK hands it back (a ServiceError, possibly as the cause of a WorkflowFailedError-like wrapper). */
function invalidArgument(err: unknown): string | undefined {
  for (let e = err; e; e = (e as { cause?: unknown }).cause) {
    if (isGrpcServiceError(e) && e.code === GRPC_INVALID_ARGUMENT) return e.details || e.message;
  }
  return undefined;
}
