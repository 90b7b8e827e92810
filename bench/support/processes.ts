// Syncline's API and worker as separate Node processes (node --import tsx), so
// their CPU and resident memory are their own. Output goes to a log file in the
// run folder; readiness is the API's /healthz or the worker's `worker.started`.
// `root` is the checkout whose code runs (bench:compare runs an older one beside this).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './env';

const READY_TIMEOUT_MS = 120_000;

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string>,
  logFile: string,
  nodeArgs: string[] = [],
  root = ROOT,
): Child {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.resolve(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  return {
    name,
    pid: child.pid,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitFor(what: string, child: Child, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${what} exited with code ${child.process.exitCode}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  // Not yet handed to the caller, so nobody else would stop it: an orphaned worker kept port 9464 and the next
  // bench's worker exited with code 1.
  await child.stop();
  throw new Error(`${what} not ready after ${READY_TIMEOUT_MS} ms`);
}

export async function startApiProcess(
  env: Record<string, string>,
  port: number,
  runDir: string,
  nodeArgs: string[] = [],
  root = ROOT,
): Promise<Child & { url: string }> {
  const child = spawnNode(
    'api',
    'src/api/main.ts',
    { ...env, API_PORT: String(port), API_HOST: '127.0.0.1', API_OPS_PORT: '0' },
    path.join(runDir, 'api.log'),
    nodeArgs,
    root,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('api', child, async () => (await fetch(`${url}/healthz`)).ok);
  return { ...child, url };
}

export async function startWorkerProcess(
  env: Record<string, string>,
  runDir: string,
  script = 'src/worker/main.ts',
  nodeArgs: string[] = [],
  root = ROOT,
): Promise<Child> {
  const logFile = path.join(runDir, `${path.basename(script, '.ts')}-${Date.now()}.log`);
  const child = spawnNode('worker', script, env, logFile, nodeArgs, root);
  await waitFor('worker', child, async () => fs.readFileSync(logFile, 'utf8').includes('"worker.started"'));
  return child;
}

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at ")"; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
