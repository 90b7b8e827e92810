// Builds the Temporal worker that runs processEvent (and later workflows) with
// activities wired to real dependencies. A prebuilt workflow bundle is used
// when given; otherwise the workflows are bundled at start. With tracing, the
// workflow code carries the OpenTelemetry interceptors (src/worker/workflowBundle.ts)
// and activities run inside spans (src/tracing/temporalTracing.ts).
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';
import { workerTracingOptions } from '../tracing/temporalTracing';
import type { Tracing } from '../tracing/tracing';
import { workerBuildId } from '../contracts/workflowGeneration';
import { bundleToLoad, WORKFLOW_PRELOAD_MODULES, WORKFLOWS_PATH, workflowInterceptorModules } from './workflowBundle';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundlePath?: string;
  /** The payload codec every syncline client shares (src/temporal/dataConverter.ts). */
  dataConverter: DataConverter;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  tracing?: Tracing;
  /**
   * The build id stamped on this worker's workflow tasks: by default this checkout's generation
   * (src/contracts/workflowGeneration.ts), which processEvent branches on. null: the SDK's default,
   * what every worker before generation 2 stamped; only for a bundle of older workflow code.
   */
  buildId?: string | null;
}

export function createWorker(opts: WorkerOptions): Promise<Worker> {
  const traced = opts.tracing !== undefined;
  const tracing = workerTracingOptions(opts.tracing);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    // Not Worker Versioning (no routing by build id): the id only records which code completed each task.
    buildId: opts.buildId === null ? undefined : (opts.buildId ?? workerBuildId()),
    activities: createActivities(opts.deps),
    dataConverter: opts.dataConverter,
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: bundleToLoad(opts.workflowBundlePath, traced) } }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: WORKFLOW_PRELOAD_MODULES } }),
    interceptors: {
      ...tracing.interceptors,
      // Read only when bundling at start; a prebuilt bundle already carries them (or not).
      workflowModules: opts.workflowBundlePath ? [] : workflowInterceptorModules(traced),
    },
    sinks: tracing.sinks,
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 100,
    maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTaskExecutions ?? 100,
  });
}
