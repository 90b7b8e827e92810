// What a command runs against: the parsed config, a logger and the runtime
// (database, secret box, connection repository), opened only by commands that
// need it and closed once by main.
import pino from 'pino';
import type { Env } from '../config';
import type { Logger } from '../infra/log';
import { openRuntime, type Runtime } from '../system/runtime';
import type { Context } from './command';

// Logs go to stderr so stdout carries only the command's output (and --json
// stays parseable). Same redaction as src/infra/log.ts, which writes to stdout.
function stderrLogger(level: string): Logger {
  return pino(
    {
      name: 'syncline-cli',
      level,
      redact: {
        paths: [
          'secret',
          'secrets',
          '*.secret',
          '*.secrets',
          'signature',
          'headers.authorization',
          'payload',
          'rawBody',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

export interface ClosableContext extends Context {
  close(): Promise<void>;
}

export function createContext(env: Env, opts: { json: boolean }): ClosableContext {
  const log = stderrLogger(env.LOG_LEVEL);
  let opening: Promise<Runtime> | undefined;
  return {
    env,
    log,
    say(line) {
      if (!opts.json) process.stdout.write(`${line}\n`);
    },
    runtime(opts) {
      opening ??= openRuntime(env, log, opts);
      return opening;
    },
    async close() {
      if (!opening) return;
      const rt = await opening.catch(() => undefined);
      opening = undefined;
      await rt?.close();
    },
  };
}
