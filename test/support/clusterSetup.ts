// Starts what the cluster test project (test/cluster) needs, once per run: a
// fresh database for syncline, and a production-shaped Temporal cluster
// (dev/cluster: frontend, history, matching and worker processes on
// PostgreSQL with SQL visibility, the Web UI server) on two Temporal databases
// of its own, with mutual TLS on the frontend from certificates made for this
// run. Provides the same keys as globalSetup.ts, so test/support/system.ts
// works unchanged, plus the TLS settings every syncline client then uses.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { LOCAL_PG_URL, answers, ensureDatabase } from '../../src/db/bootstrap';
import { migrate } from '../../src/db/migrate';
import { findTemporalBinary } from '../../src/temporal/devServer';
import { workflowBundleOptions } from '../../src/worker/workflowBundle';
import { startCluster, type ClusterEndpoints } from '../../dev/cluster/cluster';
import { makeTestPki, type TestPki } from './testPki';

const ROOT = path.resolve(__dirname, '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Cluster project only: TEMPORAL_TLS_* for syncline's clients (mutual TLS to the cluster's frontend). */
    temporalEnv: Record<string, string>;
    clusterEndpoints: ClusterEndpoints;
    testPki: TestPki;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = process.env.TEST_DATABASE_URL ?? LOCAL_PG_URL;
  if (!(await answers(server)))
    throw new Error(`the cluster tests need a PostgreSQL server for Temporal: none answers at ${server}`);
  const tag = `${process.pid}_${Date.now()}`;
  const runDir = path.join(ROOT, '.data', 'test-runs', `cluster-${tag}`);
  fs.mkdirSync(runDir, { recursive: true });

  const at = (db: string) => {
    const u = new URL(server);
    u.pathname = `/${db}`;
    return u;
  };
  const databaseUrl = at(`syncline_ctest_${tag}`).toString();
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);

  const pki = makeTestPki(path.join(runDir, 'pki'));
  const login = at('postgres');
  const databases = { temporal: `temporal_ctest_${tag}`, visibility: `temporal_vis_ctest_${tag}` };
  const cluster = await startCluster({
    dir: path.join(runDir, 'cluster'),
    ui: true,
    databases,
    postgres: {
      host: login.hostname,
      port: Number(login.port || 5432),
      user: decodeURIComponent(login.username) || 'postgres',
      password: decodeURIComponent(login.password),
    },
    tls: {
      certFile: pki.serverCertFile,
      keyFile: pki.serverKeyFile,
      caFile: pki.caFile,
      clientCaFile: pki.caFile,
      clientCertFile: pki.clientCertFile,
      clientKeyFile: pki.clientKeyFile,
      serverName: 'localhost',
    },
  });

  // The bundle a worker builds (src/worker/workflowBundle.ts), untraced.
  const code = await bundleWorkflowCode({ ...workflowBundleOptions(false), logger: undefined });
  const workflowBundlePath = path.join(runDir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, code.code);

  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', cluster.frontend);
  project.provide('temporalBinary', findTemporalBinary(process.env.TEMPORAL_CLI_PATH, ROOT));
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('runDir', runDir);
  // Only the plain endpoints cross to the test workers (provide() takes serializable values, not the handle).
  const { frontend, namespace, ui, metrics, logs } = cluster;
  project.provide('clusterEndpoints', { frontend, namespace, ui, metrics, logs });
  project.provide('testPki', pki);
  project.provide('temporalEnv', {
    TEMPORAL_TLS_CA_PATH: pki.caFile,
    TEMPORAL_TLS_CERT_PATH: pki.clientCertFile,
    TEMPORAL_TLS_KEY_PATH: pki.clientKeyFile,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
  });

  return async () => {
    await cluster.stop();
    const admin = new pg.Client({ connectionString: login.toString() });
    await admin.connect();
    try {
      for (const db of [databases.temporal, databases.visibility, new URL(databaseUrl).pathname.slice(1)])
        await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };
}
