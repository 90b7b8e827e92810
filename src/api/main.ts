// API process: the webhook receiver and health endpoints, against
// TEMPORAL_ADDRESS (default 127.0.0.1:7233). Several may run side by side.
// Started while PostgreSQL is unreachable, it keeps trying for STARTUP_WAIT_MS
// (src/system/startup.ts); Temporal it reaches lazily, answering 503 meanwhile.
import { parseEnv } from '../config';
import { consoleDestination, createLogger } from '../infra/log';
import { runApi } from './runApi';
import { openRuntime } from '../system/runtime';
import { startWhenReachable } from '../system/startup';
import { onShutdown } from '../system/shutdown';
import { targetFromEnv } from '../temporal/connection';
import { tracingFromEnv, tracingTarget } from '../tracing/tracing';

async function main(): Promise<void> {
  const env = parseEnv();
  const log = createLogger(
    env.LOG_LEVEL,
    'syncline-api',
    consoleDestination({ format: env.LOG_FORMAT, bufferBytes: env.LOG_BUFFER_BYTES }),
  );
  const tracing = tracingFromEnv(env, 'syncline-api');
  log.info({ event: 'tracing.config', tracing: tracingTarget(env, 'syncline-api') }, 'tracing');
  const { rt, api } = await startWhenReachable(
    log,
    'api',
    async () => {
      const rt = await openRuntime(env, log, { tracing });
      const api = await runApi(rt, targetFromEnv(env, `127.0.0.1:${env.TEMPORAL_DEV_PORT}`)).catch(
        async (err: unknown) => {
          await rt.close();
          throw err;
        },
      );
      return { rt, api };
    },
    { waitMs: env.STARTUP_WAIT_MS },
  );
  onShutdown(log, [api.stop, rt.close, async () => tracing?.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('syncline api failed to start:', err);
  process.exit(1);
});
