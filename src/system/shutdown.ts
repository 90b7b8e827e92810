// Graceful shutdown for entry points: the first SIGINT/SIGTERM runs the
// stoppers in order (stop accepting, drain, close connections); a second
// signal exits at once.
//
// One Ctrl-C can arrive twice: the terminal sends SIGINT to the whole
// foreground process group, and `npm start` (npm, then tsx) forwards the one
// it received to its child as well. So a repeat of the same signal within
// SAME_PRESS_MS of the first is that same key press, and is not a request to
// stop harder; a Ctrl-C pressed again after that is.
import type { Logger } from '../infra/log';

export const SAME_PRESS_MS = 1_500;

export function onShutdown(
  log: Logger,
  stoppers: Array<() => Promise<void>>,
  opts: { nowMs?: () => number } = {},
): void {
  const now = opts.nowMs ?? (() => performance.now());
  let stopping: { signal: NodeJS.Signals; atMs: number } | null = null;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal === stopping.signal && now() - stopping.atMs < SAME_PRESS_MS) {
        log.debug({ event: 'shutdown.repeat_ignored', signal }, 'same signal again (forwarded): still draining');
        return;
      }
      log.warn({ event: 'shutdown.forced', signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = { signal, atMs: now() };
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
