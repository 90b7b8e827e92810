// `syncline reconcile ...` as an operator runs it: the real CLI entry point in
// a child process, against the run's PostgreSQL and Temporal dev server, with
// this file's worker running the workflows it starts.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI_TEST_TIMEOUT_MS } from '../support/cli';
import { changesSettings, differences } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const ROOT = path.resolve(__dirname, '../..');
const ENCRYPTION_KEY = crypto.randomBytes(32).toString('base64');

let sys: TestSystem;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: sys.rt.env.TEMPORAL_TASK_QUEUE,
    ENCRYPTION_KEY,
    DATA_DIR: inject('runDir'),
  };
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      ['src/cli/main.ts', ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

async function json<T>(args: string[]): Promise<T> {
  const r = await cli([...args, '--json']);
  expect(r, `syncline ${args.join(' ')}: ${r.stderr}`).toMatchObject({ code: 0 });
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  sys = await startTestSystem('recon-cli', { ENCRYPTION_KEY });
});
afterAll(async () => {
  await sys?.stop();
});

describe('syncline reconcile', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('creates the schedules, pauses, triggers a run and reports it', async () => {
    const conn = await sys.addConnection({
      name: 'cli',
      signature: { scheme: 'stripe' },
      secrets: ['s'],
      settings: { changes: changesSettings('cursor'), reconcile: { intervalMs: 3_600_000 } },
    });
    for (let i = 0; i < 30; i++) sys.partner.store.upsert('cli', `x-${i}`, { i });

    const synced = await json<{ connections: Record<string, unknown>; health: string; retention: string }>([
      'reconcile',
      'sync',
      '--connection',
      conn,
    ]);
    expect(synced.connections[conn]).toEqual({ incremental: 'created', full: 'created' });
    expect(['created', 'updated', 'unchanged']).toContain(synced.health);
    expect(['created', 'updated', 'unchanged']).toContain(synced.retention);

    await json(['reconcile', 'pause', conn, '--note', 'cli test']);
    // The pause reaches the schedule asynchronously: ask until status shows it.
    const paused = await waitFor(
      'status to show the pause',
      async () => {
        const st = await json<{ schedules: { incremental: { paused: boolean; note: string } } }>([
          'reconcile',
          'status',
          conn,
        ]);
        return st.schedules.incremental.paused ? st : undefined;
      },
      60_000,
    );
    expect(paused.schedules.incremental).toMatchObject({ paused: true, note: 'cli test' });

    await json(['reconcile', 'trigger', conn]);
    await waitFor(
      'the triggered run to finish',
      async () => await sys.rt.db.reconcileRun.findFirst({ where: { connectionId: conn, status: 'succeeded' } }),
    );
    expect(await differences(sys.rt.db, conn, sys.partner.store)).toEqual([]);
    const runs = await json<{ mode: string; status: string; recordsChanged: number }[]>(['reconcile', 'runs', conn]);
    expect(runs).toEqual([expect.objectContaining({ mode: 'incremental', status: 'succeeded', recordsChanged: 30 })]);
    const text = await cli(['reconcile', 'runs', conn]);
    expect(text.stdout).toMatch(/CHANGED/);

    const none = await cli(['reconcile', 'confirm-deletes', conn]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no full diff waiting');
    const bad = await cli(['reconcile', 'pause', conn, '--mode', 'weekly']);
    expect(bad.code).toBe(2);
    for (const mode of ['incremental', 'full'])
      await sys.client.schedule.getHandle(`${mode === 'full' ? 'reconcile-full' : 'reconcile'}-${conn}`).delete();
  });
});
