// Runs a syncline worker (src/worker/main.ts) or API (src/api/main.ts) as its
// own OS process, so tests can kill it the way a crash or an OOM kill would
// (SIGKILL, no shutdown) or start it before its dependencies are up.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import type { Env } from '../../src/config';

const ROOT = path.resolve(__dirname, '../..');

export interface SynclineProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnWorker(env: Env, extra: Record<string, string> = {}): SynclineProcess {
  return spawnSyncline('src/worker/main.ts', env, extra);
}

export function spawnSyncline(
  entry: 'src/worker/main.ts' | 'src/api/main.ts',
  env: Env,
  extra: Record<string, string> = {},
): SynclineProcess {
  let out = '';
  // One process (node with tsx's loader), not the tsx CLI, which would run the worker as a grandchild
  // that a SIGKILL to the CLI never reaches.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: env.DATABASE_URL,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE,
      ENCRYPTION_KEY: env.ENCRYPTION_KEY,
      DATA_DIR: env.DATA_DIR,
      CONNECTION_CACHE_TTL_MS: String(env.CONNECTION_CACHE_TTL_MS),
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      LOG_LEVEL: 'warn',
      // Several may run at once: each takes any free port for its /metrics server.
      WORKER_METRICS_PORT: '0',
      API_OPS_PORT: '0',
      // The Temporal server is shared by every test file: no process-wide health or retention runs.
      WORKER_MAINTENANCE_SCHEDULES: 'false',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
