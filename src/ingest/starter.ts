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
import { type Client, WorkflowClient, WorkflowExecutionAlreadyStartedError, type WorkflowStartInput, type WorkflowStartOptions, type WorkflowStartOutput } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { ProcessEventInput } from '../contracts/processEventContract';
import { SA_CONNECTION, SA_CONNECTOR, SA_EVENT_TYPE, SA_OBJECT_ID, SA_STATUS } from '../temporal/searchAttributes';
import { TemporalUnavailableError } from '../errors/ingestErrors';

/** `created`: this call made Temporal hold the event; `attached`: a run for it was already open. */
export type StartOutcome = 'created' | 'attached' | 'already-completed';

/** gRPC status ALREADY_EXISTS: the id's last run completed and the reuse policy refuses another. */
const GRPC_ALREADY_EXISTS = 6;

type CreationOutput = WorkflowStartOutput & { created: boolean };

/**
 * A WorkflowClient whose start reports StartWorkflowExecutionResponse.started,
 * which `workflow.start()` drops. The request is built by the SDK itself
 * (`createStartWorkflowRequest`: payloads, search attributes, metadata) and the
 * client's interceptors still run; only the final call is ours.
 */
class CreationReportingClient extends WorkflowClient {
  async startReportingCreation(workflowType: string, options: WorkflowStartOptions): Promise<boolean> {
    const out = (await this._start({ type: workflowType }, options, this.getOrMakeInterceptors(options.workflowId))) as Partial<CreationOutput>;
    if (typeof out.created !== 'boolean') throw new Error('a client interceptor replaced the start output; cannot tell whether this call created the run');
    return out.created;
  }

  protected override async _startWorkflowHandler(input: WorkflowStartInput): Promise<CreationOutput> {
    const req = await this.createStartWorkflowRequest(input);
    try {
      const res = await this.workflowService.startWorkflowExecution(req);
      return { runId: res.runId, eagerlyStarted: res.eagerWorkflowTask != null, created: res.started === true };
    } catch (err) {
      if ((err as { code?: number }).code === GRPC_ALREADY_EXISTS) {
        throw new WorkflowExecutionAlreadyStartedError('Workflow execution already started', input.options.workflowId, input.workflowType);
      }
      this.rethrowGrpcError(err, 'Failed to start Workflow', { workflowId: input.options.workflowId });
    }
  }
}

export class EventStarter {
  private readonly workflows: CreationReportingClient;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly ackTimeoutMs: number,
  ) {
    const o = client.workflow.options;
    this.workflows = new CreationReportingClient({
      connection: o.connection, namespace: o.namespace, dataConverter: o.dataConverter, identity: o.identity,
      interceptors: o.interceptors, queryRejectCondition: o.queryRejectCondition,
    });
  }

  async start(workflowId: string, input: ProcessEventInput): Promise<StartOutcome> {
    try {
      const created = await this.client.withDeadline(Date.now() + this.ackTimeoutMs, () =>
        this.workflows.startReportingCreation('processEvent', {
          taskQueue: this.taskQueue,
          workflowId,
          args: [input],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: new TypedSearchAttributes([
            { key: SA_CONNECTION, value: input.connectionId },
            { key: SA_CONNECTOR, value: input.connector },
            { key: SA_EVENT_TYPE, value: input.eventType },
            { key: SA_OBJECT_ID, value: input.objectId },
            { key: SA_STATUS, value: 'processing' },
          ]),
          staticSummary: `${input.eventType} ${input.objectType}/${input.objectId} (${input.connectionId})`,
          staticDetails: `Partner event ${input.eventId} on connection ${input.connectionId} (connector ${input.connector}); object ${input.objectType}/${input.objectId} version ${input.objectVersion ?? 'unknown'}.`,
        }),
      );
      return created ? 'created' : 'attached';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-completed';
      throw new TemporalUnavailableError(`Temporal did not take the event: ${(err as Error).message}`);
    }
  }
}
