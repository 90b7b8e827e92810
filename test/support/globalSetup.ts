// Starts what the integration tests need, once per run: a fresh PostgreSQL
// database (local server, or embedded when none answers), migrated the
// project's way; the Temporal CLI dev server (in memory, headless); and a
// prebuilt workflow bundle so each test file's worker starts in milliseconds.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { openRunDatabase } from '../../src/db/bootstrap';
import { migrate } from '../../src/db/migrate';
import { createLogger } from '../../src/infra/log';
import { findTemporalBinary, startDevServer } from '../../src/temporal/devServer';
import { workflowBundleOptions } from '../../src/worker/workflowBundle';
import { freePort } from '../../dev/support/ports';

const ROOT = path.resolve(__dirname, '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    temporalBinary: string;
    workflowBundlePath: string;
    runDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = createLogger('warn', 'test-setup');
  const runDir = path.join(ROOT, '.data', 'test-runs', `${Date.now()}-${process.pid}`);
  fs.mkdirSync(runDir, { recursive: true });

  const dbName = `syncline_test_${process.pid}_${Date.now()}`;
  const { url: databaseUrl, stopServer: stopDb } = await openRunDatabase({
    name: dbName,
    serverUrl: process.env.TEST_DATABASE_URL,
    embeddedDir: path.join(ROOT, '.data', 'test-pg'),
    embeddedPort: await freePort(),
    log,
  });
  await migrate(databaseUrl);

  const temporalBinary = findTemporalBinary(process.env.TEMPORAL_CLI_PATH, ROOT);
  const server = await startDevServer({
    binary: temporalBinary,
    port: await freePort(),
    headless: true,
    logFile: path.join(runDir, 'temporal.log'),
  });

  // The bundle a worker builds (src/worker/workflowBundle.ts), untraced.
  const code = await bundleWorkflowCode({ ...workflowBundleOptions(false), logger: undefined });
  const workflowBundlePath = path.join(runDir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, code.code);

  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', server.address);
  project.provide('temporalBinary', temporalBinary);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('runDir', runDir);

  return async () => {
    await server.stop();
    await stopDb();
  };
}
