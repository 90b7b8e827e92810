// Cluster mode: Temporal in the shape production runs it, on this machine.
//   - the official server, schema tool and Web UI server, built from source at
//     the versions .env pins for docker-compose.yml (scripts/ensure-temporal-cluster.sh);
//   - Temporal's two databases on PostgreSQL, set up idempotently and versioned
//     by deploy/temporal/setup-schema.sh (the compose file's schema job runs it too);
//   - frontend, history, matching and worker as four processes of one config
//     (deploy/temporal/config/cluster.yaml, rendered by the server from
//     deploy/temporal/temporal.env plus free loopback ports), SQL visibility;
//   - the namespace and syncline's search attributes by deploy/temporal/setup-namespace.sh;
//   - optionally the Web UI server against the frontend.
// Contract: startCluster resolves once the frontend serves the namespace with
// syncline's search attributes and history and matching answer through it (and
// the UI answers, when asked for). stop() ends every process it started;
// kill()/restart() act on one service and leave the others running.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { freePort } from '../support/ports';
import { NAMESPACE_SCRIPT, ROOT, SCHEMA_SCRIPT, TEMPORAL_DEPLOY_DIR, sharedTemporalSettings } from './clusterSettings';

export const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface PostgresLogin {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** TLS on the frontend; mutual TLS when clientCaFile is set. */
export interface FrontendTls {
  /** The frontend's certificate and key. */
  certFile: string;
  keyFile: string;
  /** CA that signed certFile: the UI, the namespace job and the system worker verify the frontend with it. */
  caFile: string;
  /** Mutual TLS: the CA client certificates must chain to, and the client certificate the cluster's own tools use. */
  clientCaFile?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  /** Name in certFile that clients verify; default `localhost`. */
  serverName?: string;
}

export interface ClusterOptions {
  /** Logs and endpoints.json go here. */
  dir: string;
  postgres?: PostgresLogin;
  /** Temporal's databases; default the names in deploy/temporal/temporal.env. */
  databases?: { temporal: string; visibility: string };
  ui?: boolean;
  tls?: FrontendTls;
  /** The server's log level (default warn). */
  logLevel?: string;
}

export interface ClusterEndpoints {
  frontend: string;
  namespace: string;
  ui?: string;
  /** Each service process's Prometheus endpoint (the server's `action` metric is on frontend's and history's). */
  metrics: Record<ServiceName, string>;
  logs: string;
}

export interface Cluster extends ClusterEndpoints {
  databases: { temporal: string; visibility: string };
  /** Ends one service process (SIGKILL by default) and waits for it to exit. */
  kill(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a killed or stopped service again with the same ports; resolves once the cluster is ready again (see ready). */
  restart(service: ServiceName): Promise<void>;
  /** Resolves once the frontend serves the namespace and history and matching answer through it; rejects when a process exited. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_POSTGRES: PostgresLogin = { host: '127.0.0.1', port: 5432, user: 'postgres', password: '' };
const READY_TIMEOUT_MS = 120_000;
const LOG_TAIL_BYTES = 2_000;

interface Built {
  server: string;
  sqlTool: string;
  uiServer: string;
  cli: string;
  moduleDir: string;
}

/** Builds (once) what cluster mode runs; the Temporal CLI (for the namespace job) comes from ensure-temporal.sh. */
export async function ensureClusterTools(logFile: string): Promise<Built> {
  await run('bash', [path.join(ROOT, 'scripts/ensure-temporal.sh')], process.env, logFile);
  const out = await run('bash', [path.join(ROOT, 'scripts/ensure-temporal-cluster.sh')], process.env, logFile);
  const bin = (name: string) => path.join(ROOT, '.tools', 'bin', name);
  const cli = process.env.TEMPORAL_CLI_PATH ?? bin('temporal');
  return {
    server: bin('temporal-server'),
    sqlTool: bin('temporal-sql-tool'),
    uiServer: bin('temporal-ui-server'),
    cli: fs.existsSync(cli) ? cli : 'temporal',
    moduleDir: out.trim().split('\n').pop() ?? '',
  };
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const setupLog = path.join(opts.dir, 'setup.log');
  const built = await ensureClusterTools(setupLog);
  const shared = sharedTemporalSettings();
  const pgLogin = opts.postgres ?? DEFAULT_POSTGRES;
  const databases = opts.databases ?? { temporal: shared.env.DBNAME!, visibility: shared.env.VISIBILITY_DBNAME! };

  // The same variable names the temporalio/server image and setup-schema.sh read.
  const dbEnv = {
    ...shared.env,
    DBNAME: databases.temporal,
    VISIBILITY_DBNAME: databases.visibility,
    POSTGRES_SEEDS: pgLogin.host,
    DB_PORT: String(pgLogin.port),
    POSTGRES_USER: pgLogin.user,
    POSTGRES_PWD: pgLogin.password,
  };
  await run(
    'sh',
    [SCHEMA_SCRIPT],
    { ...baseEnv(), ...dbEnv, SQL_TOOL: built.sqlTool, SCHEMA_DIR: path.join(built.moduleDir, 'schema') },
    setupLog,
  );

  const ports = await allocatePorts();
  const serverEnv: Record<string, string> = {
    ...baseEnv(),
    ...dbEnv,
    LOG_LEVEL: opts.logLevel ?? 'warn',
    DYNAMIC_CONFIG_FILE: shared.dynamicConfigFile,
    FRONTEND_GRPC_PORT: String(ports.frontend.grpc),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    ...Object.fromEntries(
      SERVICES.flatMap((s) => [
        [`${s.toUpperCase()}_GRPC_PORT`, String(ports[s].grpc)],
        [`${s.toUpperCase()}_MEMBERSHIP_PORT`, String(ports[s].membership)],
      ]),
    ),
    ...(opts.tls ? tlsServerEnv(opts.tls) : {}),
  };

  const children = new Map<ServiceName | 'ui', ChildProcess>();
  const exited = new Map<ServiceName | 'ui', Promise<void>>();
  const logOf = (name: string) => path.join(opts.dir, `${name}.log`);
  const spawnLogged = (name: ServiceName | 'ui', cmd: string, args: string[], env: Record<string, string>) => {
    const out = fs.openSync(logOf(name), 'a');
    const child = spawn(cmd, args, { env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    children.set(name, child);
    exited.set(name, new Promise((resolve) => child.once('exit', () => resolve())));
  };
  const startService = (s: ServiceName) =>
    spawnLogged(
      s,
      built.server,
      ['--root', TEMPORAL_DEPLOY_DIR, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'].concat([
        '--service',
        s,
      ]),
      { ...serverEnv, TEMPORAL_METRICS_PORT: String(ports[s].metrics) },
    );
  const stopAll = async () => {
    for (const [name, child] of [...children].reverse()) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const done = exited.get(name)!;
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    }
  };
  // A test runner or CLI that dies without stop() must not leave four servers behind.
  const onExit = () => {
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);

  const address = `127.0.0.1:${ports.frontend.grpc}`;
  const connectOpts: ConnectionOptions = { address, tls: opts.tls ? clientTls(opts.tls) : undefined };
  try {
    // Each service writes the cluster metadata record at start (created on a fresh
    // database, its frontend address updated on a reused one) with a version check,
    // and exits with "failed to initialize current cluster metadata" or "error while
    // updating cluster metadata" when another service wrote it first. So the
    // frontend starts alone and answers before the others start: they then find
    // the record as their config has it and write nothing.
    startService('frontend');
    await waitForFrontend(connectOpts, children, logOf);
    for (const s of SERVICES) if (s !== 'frontend') startService(s);
    await run(
      'sh',
      [NAMESPACE_SCRIPT],
      {
        ...baseEnv(),
        ...shared.env,
        TEMPORAL_CLI: built.cli,
        TEMPORAL_ADDRESS: address,
        ...(opts.tls ? cliTlsEnv(opts.tls) : {}),
      },
      setupLog,
    );
    await waitForCluster(connectOpts, shared.namespace, shared.searchAttributes, children, logOf);

    let uiUrl: string | undefined;
    if (opts.ui) {
      const uiPort = await freePort();
      spawnLogged(
        'ui',
        built.uiServer,
        ['--root', TEMPORAL_DEPLOY_DIR, '--config', 'ui', '--env', 'cluster', 'start'],
        {
          ...baseEnv(),
          TEMPORAL_ADDRESS: address,
          TEMPORAL_UI_PORT: String(uiPort),
          TEMPORAL_DEFAULT_NAMESPACE: shared.namespace,
          ...(opts.tls ? uiTlsEnv(opts.tls) : {}),
        },
      );
      uiUrl = `http://127.0.0.1:${uiPort}`;
      await waitForUi(uiUrl, children.get('ui')!, logOf('ui'));
    }

    const endpoints: ClusterEndpoints = {
      frontend: address,
      namespace: shared.namespace,
      ui: uiUrl,
      metrics: Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s].metrics}/metrics`])) as Record<
        ServiceName,
        string
      >,
      logs: opts.dir,
    };
    fs.writeFileSync(path.join(opts.dir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
    const ready = () => waitForCluster(connectOpts, shared.namespace, shared.searchAttributes, children, logOf);
    return {
      ...endpoints,
      databases,
      async kill(service, signal = 'SIGKILL') {
        const child = children.get(service)!;
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited.get(service);
      },
      async restart(service) {
        const child = children.get(service)!;
        if (child.exitCode === null && child.signalCode === null) throw new Error(`${service} is still running`);
        startService(service);
        await ready();
      },
      ready,
      async stop() {
        process.removeListener('exit', onExit);
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    process.removeListener('exit', onExit);
    throw err;
  }
}

interface ServicePorts {
  grpc: number;
  membership: number;
  metrics: number;
}

async function allocatePorts(): Promise<Record<ServiceName, ServicePorts> & { frontendHttp: number }> {
  const taken = new Set<number>();
  const port = async () => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const out: Partial<Record<ServiceName, ServicePorts>> = {};
  for (const s of SERVICES) out[s] = { grpc: await port(), membership: await port(), metrics: await port() };
  return { ...(out as Record<ServiceName, ServicePorts>), frontendHttp: await port() };
}

function tlsServerEnv(tls: FrontendTls): Record<string, string> {
  return {
    TEMPORAL_TLS_FRONTEND_CERT: tls.certFile,
    TEMPORAL_TLS_FRONTEND_KEY: tls.keyFile,
    TEMPORAL_TLS_FRONTEND_CA: tls.caFile,
    TEMPORAL_TLS_FRONTEND_SERVER_NAME: tls.serverName ?? 'localhost',
    ...(tls.clientCaFile
      ? {
          TEMPORAL_TLS_CLIENT_CA: tls.clientCaFile,
          TEMPORAL_TLS_SYSTEM_WORKER_CERT: mtlsFile(tls, 'clientCertFile'),
          TEMPORAL_TLS_SYSTEM_WORKER_KEY: mtlsFile(tls, 'clientKeyFile'),
        }
      : {}),
  };
}

function mtlsFile(tls: FrontendTls, key: 'clientCertFile' | 'clientKeyFile'): string {
  const file = tls[key];
  if (!file) throw new Error(`cluster: mutual TLS (clientCaFile) needs ${key} too`);
  return file;
}

/** The Temporal CLI's own environment names. */
function cliTlsEnv(tls: FrontendTls): Record<string, string> {
  return {
    TEMPORAL_TLS: 'true',
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.caFile,
    TEMPORAL_TLS_SERVER_NAME: tls.serverName ?? 'localhost',
    ...(tls.clientCaFile
      ? {
          TEMPORAL_TLS_CLIENT_CERT_PATH: mtlsFile(tls, 'clientCertFile'),
          TEMPORAL_TLS_CLIENT_KEY_PATH: mtlsFile(tls, 'clientKeyFile'),
        }
      : {}),
  };
}

function uiTlsEnv(tls: FrontendTls): Record<string, string> {
  return {
    TEMPORAL_TLS_CA: tls.caFile,
    TEMPORAL_TLS_CERT: tls.clientCaFile ? mtlsFile(tls, 'clientCertFile') : '',
    TEMPORAL_TLS_KEY: tls.clientCaFile ? mtlsFile(tls, 'clientKeyFile') : '',
    TEMPORAL_TLS_SERVER_NAME: tls.serverName ?? 'localhost',
  };
}

function clientTls(tls: FrontendTls): ConnectionOptions['tls'] {
  return {
    serverNameOverride: tls.serverName ?? 'localhost',
    serverRootCACertificate: fs.readFileSync(tls.caFile),
    clientCertPair: tls.clientCaFile
      ? { crt: fs.readFileSync(mtlsFile(tls, 'clientCertFile')), key: fs.readFileSync(mtlsFile(tls, 'clientKeyFile')) }
      : undefined,
  };
}

/** Only what the tools need from this process's environment: never its TEMPORAL_* or DATABASE_URL. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'GOPATH', 'GOMODCACHE', 'GOCACHE', 'GOFLAGS', 'GOTOOLCHAIN'];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      fs.appendFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n${stdout}${stderr}\n`);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${path.basename(args[0] ?? cmd)} failed (exit ${code}): ${tail(stderr || stdout)}`));
    });
  });
}

function tail(text: string): string {
  const t = text.trim();
  return t.length > LOG_TAIL_BYTES ? `…${t.slice(-LOG_TAIL_BYTES)}` : t || '(no output)';
}

function exitedEarly(children: Map<string, ChildProcess>, logOf: (name: string) => string): Error | undefined {
  for (const [name, child] of children)
    if (child.exitCode !== null)
      return new Error(
        `temporal ${name} exited with code ${child.exitCode}: ${tail(fs.readFileSync(logOf(name), 'utf8'))}`,
      );
  return undefined;
}

async function poll(
  what: string,
  children: Map<string, ChildProcess>,
  logOf: (name: string) => string,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    const dead = exitedEarly(children, logOf);
    if (dead) throw dead;
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`cluster: ${what} not ready after ${READY_TIMEOUT_MS} ms: ${String(last)}`);
}

async function withConnection<T>(opts: ConnectionOptions, fn: (c: Connection) => Promise<T>): Promise<T> {
  const conn = await Connection.connect({ ...opts, connectTimeout: 2_000 });
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

function waitForFrontend(
  opts: ConnectionOptions,
  children: Map<string, ChildProcess>,
  logOf: (n: string) => string,
): Promise<void> {
  return poll('frontend', children, logOf, () =>
    withConnection(opts, async (c) => {
      await c.workflowService.getSystemInfo({});
      return true;
    }),
  );
}

/**
 * Ready for syncline: the namespace with every search attribute, and history
 * and matching reached through the frontend (an unknown workflow is "not
 * found" only once a history shard owner answered; a task queue is described
 * only by matching).
 */
function waitForCluster(
  opts: ConnectionOptions,
  namespace: string,
  searchAttributes: string[],
  children: Map<string, ChildProcess>,
  logOf: (n: string) => string,
): Promise<void> {
  return poll('namespace, history and matching', children, logOf, () =>
    withConnection(opts, async (c) => {
      const listed = await c.operatorService.listSearchAttributes({ namespace });
      if (!searchAttributes.every((n) => n in (listed.customAttributes ?? {}))) return false;
      await c.workflowService.describeTaskQueue({ namespace, taskQueue: { name: 'cluster-probe' } });
      try {
        await c.workflowService.describeWorkflowExecution({
          namespace,
          execution: { workflowId: 'cluster-probe-never-started' },
        });
      } catch (err) {
        if ((err as { code?: number }).code === 5) return true; // NOT_FOUND, from history
        throw err;
      }
      return true;
    }),
  );
}

function waitForUi(url: string, child: ChildProcess, logFile: string): Promise<void> {
  return poll(
    'Web UI',
    new Map([['ui', child]]),
    () => logFile,
    async () => (await fetch(url)).ok,
  );
}
