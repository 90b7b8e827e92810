// The ops CLI's operator actions as an on-call engineer runs them: events are
// parked by a partner that refuses them (403, permanent), then listed, shown,
// replayed, skipped and bulk-replayed through `syncline` in a child process
// against the same Temporal server and PostgreSQL as the in-process system.
import crypto from 'node:crypto';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibilityQuery } from '../../src/operator/filter';
import type { PartnerEvent } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { stateQuery } from '../../src/contracts/processEventMessages';
import { type CliRun, runCli, CLI_TEST_TIMEOUT_MS } from '../support/cli';
import { eventRow, waitForEventStatus } from '../support/events';
import { freePort } from '../../dev/support/ports';
import { startTestSystem, TEST_UI_URL, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'gh-cli-operator-secret';
const ENCRYPTION_KEY = crypto.randomBytes(32).toString('base64');

let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem('cliops', { ENCRYPTION_KEY });
});
afterAll(async () => {
  await sys?.stop();
});

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  runCli(args, { ENCRYPTION_KEY, TEMPORAL_UI_URL: TEST_UI_URL, ...env });

async function ok(args: string[]): Promise<string> {
  const run = await cli(args);
  expect(run, `syncline ${args.join(' ')}`).toMatchObject({ code: 0 });
  return run.stdout;
}

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  return JSON.parse(await ok([...args, '--json'])) as T;
}

async function connection(name: string): Promise<string> {
  return sys.addConnection({ name, signature: SIG, secrets: [SECRET] });
}

/** An event the partner refuses for good (403), once its workflow waits for an operator. */
async function parkedEvent(
  conn: string,
  type: string,
  id: string,
): Promise<{ event: PartnerEvent; workflowId: string }> {
  sys.partner.faults.failAlways({ type, id }, { status: 403 });
  const snap = sys.partner.store.upsert(type, id, { total: 1 });
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
  expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
  const { workflowId } = await waitForEventStatus(sys.rt.db, conn, event.id, 'parked');
  await waitFor(
    `the workflow of ${event.id} to wait for an operator`,
    async () => (await sys.client.workflow.getHandle(workflowId).query(stateQuery)).status === 'parked',
  );
  return { event, workflowId };
}

const actionsOf = (conn: string) =>
  sys.rt.db.operatorAction.findMany({ where: { connectionId: conn }, orderBy: { id: 'asc' } });

describe('syncline events: operator actions', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  let conn: string;
  let first: { event: PartnerEvent; workflowId: string };

  beforeAll(async () => {
    conn = await connection('single');
    first = await parkedEvent(conn, 'order', 'op-1');
  });

  it('lists a parked event with --status parked', async () => {
    const listed = await json<{ eventId: string; status: string; attempts: number; lastError: string }[]>([
      'events',
      'list',
      '--connection',
      conn,
      '--status',
      'parked',
    ]);
    expect(listed).toEqual([expect.objectContaining({ eventId: first.event.id, status: 'parked', attempts: 1 })]);
    expect(listed[0]!.lastError).toContain('403');
  });

  it('shows a parked event with its attempts, last error, workflow state, history summary and Web UI link', async () => {
    const text = await ok(['events', 'show', conn, first.event.id]);
    expect(text).toMatch(/^status\s+parked$/m);
    expect(text).toMatch(/^attempts\s+1$/m);
    expect(text).toMatch(/^last error\s+PartnerPermanentError: .*403/m);
    expect(text).toContain(`${TEST_UI_URL}/namespaces/default/workflows/${encodeURIComponent(first.workflowId)}`);
    expect(text).toMatch(/^workflow\s+RUNNING$/m);
    expect(text).toMatch(/^state\s+parked, run 1$/m);
    expect(text).toMatch(/^activities\s+.*fetchAndFinish 1/m);
    expect(text).toMatch(/^actions:\n\(none\)$/m);
  });

  it('replays a parked event once the partner recovers, records who asked, and refuses a second replay', async () => {
    sys.partner.faults.clear({ type: 'order', id: 'op-1' });
    const result = await json([
      'events',
      'replay',
      conn,
      first.event.id,
      '--by',
      'alice',
      '--reason',
      'partner fixed permissions',
    ]);
    expect(result).toMatchObject({
      action: 'replay',
      status: 'processed',
      by: 'alice',
      reason: 'partner fixed permissions',
    });
    expect(await eventRow(sys.rt.db, conn, first.event.id)).toMatchObject({ status: 'processed', outcome: 'applied' });
    expect(await actionsOf(conn)).toMatchObject([
      { action: 'replay', actor: 'alice', reason: 'partner fixed permissions' },
    ]);

    const text = await ok(['events', 'show', conn, first.event.id]);
    expect(text).toMatch(/replay\s+alice\s+partner fixed permissions\s+replaying/);

    const again = await cli(['events', 'replay', conn, first.event.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^syncline: .*(no longer running|not parked)/);
  });

  it('replays with --no-wait: returns while the replay still retries, and the event is processed once the partner recovers', async () => {
    // A 10 s wait before the replay's second attempt: a waiting replay would hold the CLI at least that long.
    const slow = await sys.addConnection({
      name: 'no-wait',
      signature: SIG,
      secrets: [SECRET],
      settings: { retry: { scheduleMs: [10_000], maximumAttempts: 3 } },
    });
    const { event, workflowId } = await parkedEvent(slow, 'order', 'nw-1');
    sys.partner.faults.failAlways({ type: 'order', id: 'nw-1' }, { status: 503 });

    const result = await json(['events', 'replay', slow, event.id, '--no-wait', '--by', 'dave']);

    expect(result).toMatchObject({ action: 'replay', status: 'replaying', by: 'dave' });
    expect(result.lastError).toContain('403');
    // The workflow records the action (a local activity) and then shows the replay; its retry waits 10 s.
    await waitFor(
      'the workflow to show the replay',
      async () => (await sys.client.workflow.getHandle(workflowId).query(stateQuery)).status === 'replaying',
    );
    sys.partner.faults.clear({ type: 'order', id: 'nw-1' });
    expect(await waitForEventStatus(sys.rt.db, slow, event.id, 'processed', 30_000)).toMatchObject({
      outcome: 'applied',
    });
    expect(await actionsOf(slow)).toMatchObject([{ action: 'replay', actor: 'dave' }]);
  });

  it('refuses to skip without --reason (exit 2, nothing sent), and skips with one as cli:<os user>', async () => {
    const { event } = await parkedEvent(conn, 'order', 'op-2');
    const refused = await cli(['events', 'skip', conn, event.id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--reason is required');
    expect((await eventRow(sys.rt.db, conn, event.id))?.status).toBe('parked');

    const text = await ok(['events', 'skip', conn, event.id, '--reason', 'test object, never existed']);
    expect(text).toMatch(/^status\s+skipped$/m);
    expect(await eventRow(sys.rt.db, conn, event.id)).toMatchObject({
      status: 'skipped',
      resolution: 'test object, never existed',
    });
    const skips = (await actionsOf(conn)).filter((a) => a.action === 'skip');
    expect(skips).toMatchObject([
      { actor: `cli:${os.userInfo().username}`, reason: 'test object, never existed', result: 'skipped' },
    ]);
  });
});

describe('syncline events bulk', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('counts parked events in a dry run without touching them, then replays them, printing the count first', async () => {
    const conn = await connection('bulk');
    const ids = ['bk-1', 'bk-2', 'bk-3'];
    const events: PartnerEvent[] = [];
    for (const id of ids) events.push((await parkedEvent(conn, 'invoice', id)).event);
    const query = visibilityQuery({ connectionId: conn, eventType: 'invoice.created' });
    await waitFor('visibility to list all three', async () => (await sys.client.workflow.count(query)).count === 3);
    const filter = ['--connection', conn, '--type', 'invoice.created'];

    const dry = await ok(['events', 'bulk', 'replay', ...filter, '--dry-run']);
    expect(dry).toBe(`dry run, nothing replayed\n3 parked event(s) match: ${query}\n`);
    for (const e of events) expect((await eventRow(sys.rt.db, conn, e.id))?.status).toBe('parked');
    expect(await actionsOf(conn)).toEqual([]);

    for (const id of ids) sys.partner.faults.clear({ type: 'invoice', id });
    const done = await ok(['events', 'bulk', 'replay', ...filter, '--by', 'carol', '--reason', 'partner outage over']);
    const lines = done.split('\n');
    expect(lines[0]).toBe(`3 parked event(s) match: ${query}`);
    expect(lines[1]).toBe('matched 3, acted 3, failed 0');
    for (const e of events) await waitForEventStatus(sys.rt.db, conn, e.id, 'processed');
    expect((await actionsOf(conn)).map((a) => [a.action, a.actor, a.reason])).toEqual(
      ids.map(() => ['replay', 'carol', 'partner outage over']),
    );
  });

  it('answers a dry run with --json as the count and the query alone', async () => {
    const conn = await connection('bulk-json');
    const result = await json(['events', 'bulk', 'skip', '--connection', conn, '--reason', 'cleanup', '--dry-run']);
    expect(result).toEqual({
      query: visibilityQuery({ connectionId: conn }),
      matched: 0,
      acted: 0,
      failed: 0,
      dryRun: true,
    });
  });
});

describe('syncline events: exit codes', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('exits 2 for a bad command line and 1 when the event or Temporal is missing', async () => {
    const down = `127.0.0.1:${await freePort()}`;
    // Three at a time: each is a tsx process, and the machine has two cores.
    const [badStatus, bulkSkipNoReason, badSince] = await Promise.all([
      cli(['events', 'list', '--status', 'stuck']),
      cli(['events', 'bulk', 'skip', '--connection', 'acme']),
      cli(['events', 'bulk', 'replay', '--since', 'yesterday', '--dry-run']),
    ]);
    const [badFilter, unknownEvent, noTemporal] = await Promise.all([
      cli(['events', 'bulk', 'replay', '--connection', 'acme" OR "1', '--dry-run']),
      cli(['events', 'replay', `${sys.prefix}-nowhere`, 'evt_missing']),
      cli(['events', 'replay', `${sys.prefix}-nowhere`, 'evt_missing'], { TEMPORAL_ADDRESS: down }),
    ]);
    expect(badStatus).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--status must be one of received, accepted, processed, parked'),
    });
    expect(bulkSkipNoReason).toMatchObject({ code: 2, stderr: expect.stringContaining('--reason is required') });
    expect(badSince).toMatchObject({ code: 2, stderr: expect.stringContaining('--since must be an ISO time') });
    expect(badFilter).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('connection has characters a filter does not accept'),
    });
    expect(unknownEvent).toMatchObject({
      code: 1,
      stderr: `syncline: no event evt_missing on connection ${sys.prefix}-nowhere\n`,
    });
    expect(noTemporal).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`syncline: Temporal not reachable at ${down}`),
    });
  });
});
