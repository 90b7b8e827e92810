// Worker process: runs syncline's workflows and activities against
// TEMPORAL_ADDRESS (default 127.0.0.1:7233). Several may run side by side.
// Started while PostgreSQL or Temporal is unreachable, it keeps trying for
// STARTUP_WAIT_MS (src/system/startup.ts).
import { parseEnv } from '../config';
import { consoleDestination, createLogger } from '../infra/log';
import { runWorker } from './runWorker';
import { openRuntime } from '../system/runtime';
import { startWhenReachable } from '../system/startup';
import { onShutdown } from '../system/shutdown';
import { targetFromEnv } from '../temporal/connection';

async function main(): Promise<void> {
  const env = parseEnv();
  const log = createLogger(
    env.LOG_LEVEL,
    'syncline-worker',
    consoleDestination({ format: env.LOG_FORMAT, bufferBytes: env.LOG_BUFFER_BYTES }),
  );
  const { rt, worker } = await startWhenReachable(
    log,
    'worker',
    async () => {
      const rt = await openRuntime(env, log);
      const worker = await runWorker(rt, targetFromEnv(env, `127.0.0.1:${env.TEMPORAL_DEV_PORT}`), {
        workflowBundlePath: env.WORKFLOW_BUNDLE_PATH,
        maintenanceSchedules: env.WORKER_MAINTENANCE_SCHEDULES,
        notifyDispatcher: true,
      }).catch(async (err: unknown) => {
        await rt.close();
        throw err;
      });
      return { rt, worker };
    },
    { waitMs: env.STARTUP_WAIT_MS },
  );
  onShutdown(log, [worker.stop, rt.close]);
}

main().catch((err: unknown) => {
  console.error('syncline worker failed to start:', err);
  process.exit(1);
});
