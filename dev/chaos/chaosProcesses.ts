// The parts of syncline a chaos run kills: API and worker processes (each its
// own OS process, killed with SIGKILL like an OOM kill) and the Temporal dev
// server (file-backed, restarted on the same port and SQLite file). Restarts
// reuse the same port and environment, so partners and peers need no new address.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type DevServer, type DevServerOptions, startDevServer } from '../../src/temporal/devServer';

const ROOT = path.resolve(__dirname, '../..');
const READY_TIMEOUT_MS = 90_000;
const SUPERVISOR_ATTEMPTS = 5;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// Children must not outlive a runner that dies abruptly (an uncaught error, a second Ctrl-C).
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export class SynclineProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private tail = '';
  kills = 0;
  failedStarts = 0;

  constructor(
    readonly name: string,
    private readonly entry: 'src/api/main.ts' | 'src/worker/main.ts',
    private readonly env: Record<string, string>,
    /** For an API: its base URL, polled on /healthz until it answers. */
    readonly url?: string,
    /** Every line the process writes is appended here too. */
    private readonly logFile?: string,
  ) {}

  async start(): Promise<void> {
    // node with tsx's loader, not the tsx CLI, so SIGKILL reaches the process that holds the sockets.
    const child = spawn(process.execPath, ['--import', 'tsx', this.entry], {
      cwd: ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = this.logFile ? fs.createWriteStream(this.logFile, { flags: 'a' }) : undefined;
    const keep = (d: Buffer) => {
      this.tail = (this.tail + d.toString()).slice(-4_000);
      log?.write(d);
    };
    child.once('exit', () => log?.end());
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.child = child;
    children.add(child);
    child.once('exit', () => children.delete(child));
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (this.url) await this.waitHealthy();
  }

  /** SIGKILL (a crash) by default; SIGTERM drains. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      if (signal === 'SIGKILL') this.kills += 1;
      child.kill(signal);
    }
    await this.exited;
  }

  /** Like a supervisor (systemd, Kubernetes): a start that fails is tried again, a few times. */
  async crashAndRestart(downMs: number): Promise<void> {
    await this.kill('SIGKILL');
    await sleep(downMs);
    await this.startSupervised();
  }

  async startSupervised(attempts = SUPERVISOR_ATTEMPTS): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        return await this.start();
      } catch (err) {
        this.failedStarts += 1;
        await this.kill('SIGTERM');
        if (i >= attempts) throw err;
        await sleep(2_000);
      }
    }
  }

  output(): string {
    return this.tail;
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null) throw new Error(`${this.name} exited during start-up:\n${this.tail}`);
      const ok = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(200);
    }
    throw new Error(`${this.name} not healthy after ${READY_TIMEOUT_MS} ms:\n${this.tail}`);
  }
}

export class TemporalServer {
  private server: DevServer | undefined;
  restarts = 0;

  constructor(private readonly opts: DevServerOptions) {}

  get address(): string {
    return `127.0.0.1:${this.opts.port}`;
  }

  get uiUrl(): string | undefined {
    return this.opts.headless ? undefined : `http://127.0.0.1:${this.opts.uiPort ?? this.opts.port + 1000}`;
  }

  async start(): Promise<void> {
    this.server = await startDevServer(this.opts);
    const child = this.server.process;
    children.add(child);
    child.once('exit', () => children.delete(child));
  }

  /** SIGKILL, then the same port and SQLite file: history must survive. */
  async crashAndRestart(downMs: number): Promise<void> {
    await this.server?.stop('SIGKILL');
    this.restarts += 1;
    await sleep(downMs);
    await this.start();
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}
