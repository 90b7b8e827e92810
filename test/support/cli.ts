// The ops CLI as an operator runs it: the real entry point in a child process,
// against the run's PostgreSQL and Temporal dev server. The child's
// ENCRYPTION_KEY must be the one the test system was started with, or it cannot
// open the connections' secrets.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const CLI_TIMEOUT_MS = 60_000;
/**
 * For a test that runs several CLI children: each is a fresh Node.js + tsx start, about 1 s on a quiet
 * machine but 25 s at load 30 (seen in a fresh-clone run beside other work), so the suite's 120 s per
 * test timed out tests that were only slow.
 */
export const CLI_TEST_TIMEOUT_MS = 600_000;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `syncline <args>` with a clean environment plus `env`; never rejects (a failure is a non-zero code). */
export function runCli(args: string[], env: Record<string, string> & { ENCRYPTION_KEY: string }): Promise<CliRun> {
  const childEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    LOG_LEVEL: 'silent',
    DATA_DIR: inject('runDir'),
    ...env,
  };
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['src/cli/main.ts', ...args],
      { cwd: ROOT, env: childEnv, timeout: CLI_TIMEOUT_MS },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
