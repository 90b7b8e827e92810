// Graceful shutdown for entry points: the first SIGINT/SIGTERM runs the
// stoppers in order (stop accepting, drain, close connections); a second
// signal exits at once.
import type { Logger } from '../infra/log';

export function onShutdown(log: Logger, stoppers: Array<() => Promise<void>>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ event: 'shutdown.forced', signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    log.info({ event: 'shutdown.started', signal }, 'shutting down');
    (async () => {
      for (const stop of stoppers) {
        try {
          await stop();
        } catch (err) {
          log.error({ event: 'shutdown.step_failed', reason: (err as Error).message }, 'shutdown step failed');
        }
      }
      log.info({ event: 'shutdown.done' }, 'stopped');
      process.exit(0);
    })().catch(() => process.exit(1));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
