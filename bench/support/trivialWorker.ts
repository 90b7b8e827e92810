// Worker process for the trivial baseline, with syncline's worker settings
// (same concurrency limits as src/worker/createWorker.ts) on its own task queue.
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from './trivialActivities';

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const bundle = process.env.TRIVIAL_BUNDLE_PATH;
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'bench-trivial',
    activities,
    ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('./trivialWorkflows') }),
    maxConcurrentActivityTaskExecutions: Number(process.env.BENCH_MAX_ACTIVITIES ?? 100),
    maxConcurrentWorkflowTaskExecutions: Number(process.env.BENCH_MAX_WORKFLOW_TASKS ?? 100),
  });
  process.on('SIGTERM', () => worker.shutdown());
  console.log('"worker.started" trivial worker');
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error('trivial worker failed:', err);
  process.exit(1);
});
