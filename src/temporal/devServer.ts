// Starts the official Temporal CLI dev server (`temporal server start-dev`) as a
// child process: file-backed SQLite with the fast pragmas, syncline's search
// attributes registered, the Web UI on unless headless. Used by the quickstart
// and by the tests; never when TEMPORAL_ADDRESS points elsewhere.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_NAMES } from './searchAttributes';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const READY_TIMEOUT_MS = 90_000;

export interface DevServerOptions {
  binary: string;
  port: number;
  uiPort?: number;
  /** SQLite file; omitted = in-memory (tests that do not restart the server). */
  dbFile?: string;
  headless?: boolean;
  logFile?: string;
  /** Appended to the command line (extra `--sqlite-pragma`s, `--dynamic-config-value`s); benchmarks use it. */
  extraArgs?: string[];
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function findTemporalBinary(explicit: string | undefined, projectRoot: string): string {
  if (explicit) return explicit;
  const local = path.join(projectRoot, '.tools', 'bin', 'temporal');
  if (fs.existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`no temporal CLI found: run scripts/ensure-temporal.sh (builds ${TEMPORAL_CLI_VERSION} with Go)`);
}

/**
 * Attempts at starting: a start that exits before serving is tried again. The
 * server picks five of its own ports (internal services, HTTP, metrics) by
 * binding port 0 and closing it, and any process's outgoing connection can
 * take one of them before the server binds it again; that start exits with
 * code 1 ("address already in use"), and the next one picks fresh ports.
 */
const START_ATTEMPTS = 3;
/** How much of the server's log an error quotes. */
const LOG_TAIL_BYTES = 2_000;

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof DevServerExitedError) || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

/** The server process ended before it served; its log's tail is in the message. */
export class DevServerExitedError extends Error {
  override readonly name = 'DevServerExitedError';
}

async function startOnce(opts: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn'];
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push(
      '--db-filename',
      opts.dbFile,
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=off',
    );
  }
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort ?? opts.port + 1000));
  for (const name of SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  args.push(...(opts.extraArgs ?? []));

  const logStart = opts.logFile && fs.existsSync(opts.logFile) ? fs.statSync(opts.logFile).size : 0;
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(opts.binary, args, { stdio: ['ignore', out, out] });
  if (typeof out === 'number') fs.closeSync(out);
  const address = `127.0.0.1:${opts.port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntilServing(address, child);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    if (err instanceof DevServerExitedError && opts.logFile)
      err.message += `; its log (${opts.logFile}) says: ${logTail(opts.logFile, logStart)}`;
    throw err;
  }
  return {
    address,
    uiUrl: opts.headless ? undefined : `http://127.0.0.1:${opts.uiPort ?? opts.port + 1000}`,
    process: child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** What this start wrote to the log (the file is appended to across restarts). */
function logTail(file: string, from: number): string {
  const text = fs.readFileSync(file).subarray(from).toString('utf8').trim();
  return text.length > LOG_TAIL_BYTES ? `…${text.slice(-LOG_TAIL_BYTES)}` : text || '(nothing)';
}

async function waitUntilServing(address: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new DevServerExitedError(`temporal dev server exited with code ${child.exitCode}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await conn.workflowService.getSystemInfo({});
        await conn.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal dev server not ready after ${READY_TIMEOUT_MS} ms: ${String(lastError)}`);
}
