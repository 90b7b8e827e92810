// What every benchmark starts for itself: a fresh PostgreSQL database (local
// server, else embedded), its own Temporal dev server on free ports (file-backed
// SQLite with the fast pragmas, headless) or another Temporal the caller starts
// (bench:cluster's cluster), a prebuilt workflow bundle, a Runtime
// for seeding and counting, and the partner simulator. stop() tears all of it
// down and drops the database, so runs never see each other's rows.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { parseEnv } from '../../src/config';
import { openRunDatabase } from '../../src/db/bootstrap';
import { migrate } from '../../src/db/migrate';
import { createLogger } from '../../src/infra/log';
import { startPartnerSimulator, type PartnerSimulator } from '../../dev/simulator';
import { openRuntime, type Runtime } from '../../src/system/runtime';
import { findTemporalBinary, startDevServer } from '../../src/temporal/devServer';
import { freePort } from '../../dev/support/ports';
import { WORKFLOW_PRELOAD_MODULES, WORKFLOWS_PATH } from '../../src/worker/workflowBundle';

export const ROOT = path.resolve(__dirname, '../..');
export const PARTNER_API_KEY = 'bench_partner_key';

/** The Temporal a benchmark runs against. */
export interface BenchTemporal {
  address: string;
  /** Temporal's server processes by name (the dev server's one, or a cluster's services), for CPU and memory. */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

export const DEV_SERVER = 'dev server';

export interface BenchEnv {
  label: string;
  runDir: string;
  databaseUrl: string;
  temporal: BenchTemporal;
  bundlePath: string;
  partner: PartnerSimulator;
  rt: Runtime;
  /** Environment for syncline child processes (API, worker) pointed at this run. */
  childEnv: Record<string, string>;
  stop(): Promise<void>;
}

export interface BenchEnvOptions {
  /** Prebuild the processEvent/reconcile bundle (the worker then starts in ms). Default true. */
  bundle?: boolean;
  /** LOG_LEVEL of the API and worker processes (default info, as in production). */
  logLevel?: string;
  /** More dev-server arguments (e.g. `--dynamic-config-value`s), after src/temporal/devServer.ts's own. */
  temporalArgs?: string[];
  /** Starts the Temporal to run against instead of a dev server of this run's own (temporalArgs then unused). */
  temporal?: (runDir: string) => Promise<BenchTemporal>;
}

async function freshDatabase(label: string, runDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const name = `syncline_bench_${label.replace(/\W/g, '_')}_${Date.now()}`;
  const { url, stopServer } = await openRunDatabase({
    name,
    serverUrl: process.env.BENCH_DATABASE_URL,
    embeddedDir: path.join(runDir, 'pg-parent'),
    embeddedPort: await freePort(),
    log: createLogger('warn', 'bench'),
  });
  await migrate(url);
  return {
    url,
    async stop() {
      const admin = new URL(url);
      admin.pathname = '/postgres';
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      await client.end();
      await stopServer();
    },
  };
}

/** A bundle of `workflowsPath`; `preloadModules` as the worker's own bundle has them (src/worker/workflowBundle.ts). */
export async function bundleWorkflows(
  workflowsPath: string,
  outFile: string,
  preloadModules: string[] = [],
): Promise<string> {
  const code = await bundleWorkflowCode({ workflowsPath, preloadModules, logger: undefined });
  fs.writeFileSync(outFile, code.code);
  return outFile;
}

async function startBenchDevServer(runDir: string, extraArgs?: string[]): Promise<BenchTemporal> {
  const dev = await startDevServer({
    binary: findTemporalBinary(process.env.TEMPORAL_CLI_PATH, ROOT),
    port: await freePort(),
    headless: true,
    dbFile: path.join(runDir, 'temporal.sqlite'),
    logFile: path.join(runDir, 'temporal.log'),
    extraArgs,
  });
  return { address: dev.address, pids: { [DEV_SERVER]: dev.process.pid ?? 0 }, stop: () => dev.stop() };
}

export async function startBenchEnv(label: string, opts: BenchEnvOptions = {}): Promise<BenchEnv> {
  const runDir = path.join(ROOT, '.data', 'bench', `${label}-${Date.now()}`);
  fs.mkdirSync(runDir, { recursive: true });
  const db = await freshDatabase(label, runDir);
  const temporal = await (opts.temporal ?? ((dir: string) => startBenchDevServer(dir, opts.temporalArgs)))(
    runDir,
  ).catch(async (err: unknown) => {
    await db.stop();
    throw err;
  });
  const bundlePath =
    opts.bundle === false
      ? ''
      : await bundleWorkflows(WORKFLOWS_PATH, path.join(runDir, 'workflow-bundle.js'), WORKFLOW_PRELOAD_MODULES);
  const childEnv: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: opts.logLevel ?? 'info',
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `bench-${label}`,
    ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    DATA_DIR: runDir,
    ...(bundlePath ? { WORKFLOW_BUNDLE_PATH: bundlePath } : {}),
  };
  const env = parseEnv({ ...childEnv, LOG_LEVEL: 'warn', CONNECTION_CACHE_TTL_MS: '0' });
  const rt = await openRuntime(env, createLogger('warn', `bench-${label}`));
  const partner = await startPartnerSimulator({
    apiKey: PARTNER_API_KEY,
    eventIdPrefix: `${label}${Date.now().toString(36)}`,
  });
  return {
    label,
    runDir,
    databaseUrl: db.url,
    temporal,
    bundlePath,
    partner,
    rt,
    childEnv,
    async stop() {
      await partner.close();
      await rt.db.$disconnect();
      await temporal.stop();
      await db.stop();
      // Temporal's SQLite file grows with every run; logs and profiles stay when BENCH_KEEP=1.
      if (process.env.BENCH_KEEP !== '1') fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}
