// Starts a workflow and reports whether THIS call created the run:
// StartWorkflowExecutionResponse.started (Temporal Server 1.24+), which the
// SDK's public `workflow.start()` drops (SDK 1.24.0, the newest 1.x on npm,
// offers no public way to read it). The only place syncline reaches into SDK
// internals: it subclasses WorkflowClient and overrides the protected
// `_startWorkflowHandler`. The request is still built by the SDK
// (`createStartWorkflowRequest`: payloads, search attributes, metadata) and the
// client's interceptors still run; only the final call is ours.
// test/integration/creationReportingStart.integration.test.ts pins this
// against the real dev server: an SDK upgrade that renames or reshapes these
// internals fails there, not in production.
import {
  type Client,
  WorkflowClient,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowStartInput,
  type WorkflowStartOptions,
  type WorkflowStartOutput,
} from '@temporalio/client';
import { extractWorkflowTypeAndConfig, type Workflow } from '@temporalio/common';

/** gRPC status ALREADY_EXISTS: the id's last run completed and the reuse policy refuses another. */
const GRPC_ALREADY_EXISTS = 6;

type CreationOutput = WorkflowStartOutput & { created: boolean };

class CreationReportingClient extends WorkflowClient {
  async startReportingCreation<T extends Workflow>(workflow: T, options: WorkflowStartOptions<T>): Promise<boolean> {
    const out = (await this._start(
      extractWorkflowTypeAndConfig(workflow, options.typeInfo),
      options,
      this.getOrMakeInterceptors(options.workflowId),
    )) as Partial<CreationOutput>;
    if (typeof out.created !== 'boolean')
      throw new Error(
        'the start output carries no creation flag (a client interceptor replaced it, or the SDK no longer calls _startWorkflowHandler)',
      );
    return out.created;
  }

  protected override async _startWorkflowHandler(input: WorkflowStartInput): Promise<CreationOutput> {
    const req = await this.createStartWorkflowRequest(input);
    try {
      const res = await this.workflowService.startWorkflowExecution(req);
      return { runId: res.runId, eagerlyStarted: res.eagerWorkflowTask != null, created: res.started === true };
    } catch (err) {
      if ((err as { code?: number }).code === GRPC_ALREADY_EXISTS) {
        throw new WorkflowExecutionAlreadyStartedError(
          'Workflow execution already started',
          input.options.workflowId,
          input.workflowType,
        );
      }
      this.rethrowGrpcError(err, 'Failed to start Workflow', { workflowId: input.options.workflowId });
    }
  }
}

/**
 * `start(workflow, options)`: like `client.workflow.start`, typed by the
 * workflow function, resolving to true when this call created the run and
 * false when it attached to an open one (WorkflowIdConflictPolicy
 * USE_EXISTING). A refused start (the id's last run completed under a reuse
 * policy that refuses another) is WorkflowExecutionAlreadyStartedError.
 */
export interface CreationReportingStart {
  start<T extends Workflow>(workflow: T, options: WorkflowStartOptions<T>): Promise<boolean>;
}

export function creationReportingStart(client: Client): CreationReportingStart {
  const o = client.workflow.options;
  const workflows = new CreationReportingClient({
    connection: o.connection,
    namespace: o.namespace,
    dataConverter: o.dataConverter,
    identity: o.identity,
    interceptors: o.interceptors,
    queryRejectCondition: o.queryRejectCondition,
  });
  return { start: (workflow, options) => workflows.startReportingCreation(workflow, options) };
}
