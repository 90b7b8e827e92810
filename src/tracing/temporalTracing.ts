// Temporal's OpenTelemetry interceptors (@temporalio/interceptors-opentelemetry),
// wired explicitly rather than through its experimental plugin so that syncline
// decides what workflow spans carry:
// - clients: a StartWorkflow span around each start, its context injected into
//   the start's Temporal headers;
// - workflows: the interceptor module below, bundled into the workflow code
//   (src/worker/workflowBundle.ts), makes RunWorkflow / StartActivity spans and
//   passes the context on to activities in their headers;
// - activities: a RunActivity span, child of the workflow's StartActivity;
// - the `exporter` sink hands spans made inside the workflow sandbox to the
//   process's span processor, outside replay only (the sink's default).
import type { InjectedSinks } from '@temporalio/worker';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerInterceptors } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Tracing } from './tracing';

/** Bundled into the workflow code when tracing is on (webpack resolves it like any workflow import). */
export const WORKFLOW_TRACING_MODULE =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** A client's `interceptors` option: empty when tracing is off. */
export function clientTracingInterceptors(tracing: Tracing | undefined): {
  workflow: OpenTelemetryWorkflowClientInterceptor[];
} {
  return { workflow: tracing ? [new OpenTelemetryWorkflowClientInterceptor()] : [] };
}

/** The worker options tracing adds; {} when tracing is off. */
export function workerTracingOptions(tracing: Tracing | undefined): {
  interceptors?: WorkerInterceptors;
  sinks?: InjectedSinks<OpenTelemetrySinks>;
} {
  if (!tracing) return {};
  const exporter = makeWorkflowExporter(tracing.processor, tracing.resource);
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: {
      exporter: {
        export: {
          // The interceptor package copies the whole WorkflowInfo onto each span (memo, search
          // attributes, last result...). Spans leave the process: they get the run's identity only.
          fn: (info, spans) => exporter.export.fn(identityOf(info), spans),
        },
      },
    },
  };
}

function identityOf(info: WorkflowInfo): WorkflowInfo {
  const identity = {
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.workflowType,
    taskQueue: info.taskQueue,
    namespace: info.namespace,
  };
  return identity as WorkflowInfo;
}
