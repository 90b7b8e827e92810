// The github connector end to end on the real Temporal dev server and PostgreSQL:
// a delivery shaped like GitHub's (an @octokit/webhooks-examples payload, its object
// swapped for the fake API's current one, signed with @octokit/webhooks-methods) ->
// 202 -> processEvent -> GET through @octokit/rest -> the record. The GitHub REST API
// is played by test/support/fakeGithub.ts (a thin stateful fake over node:http: the
// real api.github.com is not reachable here); GitHub's recorded answers are checked
// against the same fetch code in test/unit/githubApi.unit.test.ts.
import crypto from 'node:crypto';
import examples from '@octokit/webhooks-examples';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventWorkflowId } from '../../src/ingest/workflowId';
import type { ReconcileResult } from '../../src/contracts/reconcileContract';
import { startAlertSink, type AlertSink } from '../support/alertSink';
import { eventRow, record, waitForEventStatus } from '../support/events';
import { startFakeGithub, type FakeGithub } from '../support/fakeGithub';
import { reconcileService } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

interface OctokitMethods {
  sign(secret: string, payload: string): Promise<string>;
}
const OCTOKIT_METHODS = '@octokit/webhooks-methods';
const sign = async (secret: string, payload: string) =>
  ((await import(OCTOKIT_METHODS)) as OctokitMethods).sign(secret, payload);

const SECRET = 'gh-e2e-secret';
const TOKEN = 'ghs_e2e_installation_token';
const INSTALLATION = 424242;
const REPO = 'octo-org/syncline-e2e';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 4, scheduleMs: [50, 100, 200] };

type Obj = Record<string, unknown>;
const template = (event: string, action: string): Obj =>
  structuredClone(
    (examples as unknown as Array<{ name: string; examples: Obj[] }>)
      .find((e) => e.name === event)!
      .examples.find((x) => x.action === action)!,
  );

let sys: TestSystem;
let gh: FakeGithub;
let sink: AlertSink;

beforeAll(async () => {
  sink = await startAlertSink();
  gh = await startFakeGithub({ token: TOKEN });
  sys = await startTestSystem('github', {
    ALERT_WEBHOOK_URL: sink.url,
    ALERT_GROUP_WINDOW_MS: '3000',
    ALERT_FLUSH_INTERVAL_MS: '600000',
  });
});
afterAll(async () => {
  await sys?.stop();
  await gh?.close();
  await sink?.close();
});

async function connection(name: string, over: { token?: string; settings?: Obj } = {}): Promise<string> {
  const id = `${sys.prefix}-${name}`;
  await sys.rt.connections.upsert({
    id,
    connector: 'github',
    enabled: true,
    apiBaseUrl: gh.url,
    signingSecrets: [SECRET],
    credentials: { token: over.token ?? TOKEN },
    settings: { installationId: INSTALLATION, repositories: [REPO], retry: FAST_RETRY, ...over.settings },
  });
  return id;
}

/** POSTs a GitHub-shaped delivery; returns the answer and the delivery id. */
async function deliver(conn: string, event: string, body: Obj, deliveryId: string = crypto.randomUUID()) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${sys.api.url}/webhooks/${conn}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-github-hook-installation-target-type': 'integration',
      'x-hub-signature-256': await sign(SECRET, raw),
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Obj, deliveryId };
}

/** An issues.<action> delivery from the examples, carrying the fake API's current issue. */
function issueEvent(action: string, issue: Obj, opts: { installation?: number } = {}): Obj {
  const body = template('issues', action);
  body.issue = issue;
  body.repository = { ...(body.repository as Obj), full_name: REPO, name: REPO.split('/')[1] };
  body.installation = { id: opts.installation ?? INSTALLATION, node_id: 'x' };
  return body;
}

const objectId = (n: number) => `${REPO}#${n}`;

describe('github connector end to end', () => {
  it('syncs an issues.opened delivery: fetched with the token and pinned API version, stored at its updated_at', async () => {
    const conn = await connection('opened');
    const issue = gh.upsertIssue(REPO, 1, { title: 'first' });
    const sent = await deliver(conn, 'issues', issueEvent('opened', issue));
    expect(sent.status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, sent.deliveryId, 'processed');
    expect(row).toMatchObject({ eventType: 'issues.opened', objectType: 'issue', objectId: objectId(1) });
    expect(await record(sys.rt.db, conn, 'issue', objectId(1))).toMatchObject({
      version: BigInt(Date.parse(issue.updated_at as string)),
      deleted: false,
      data: { title: 'first', number: 1 },
    });
    const get = gh.seen.find((s) => s.path === `/repos/${REPO}/issues/1`)!;
    expect(get.headers['x-github-api-version']).toBe('2022-11-28');
  });

  it('answers a ping 200 and starts nothing', async () => {
    const conn = await connection('ping');
    const sent = await deliver(conn, 'ping', template('ping', undefined as unknown as string) ?? {});
    expect(sent).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'ping' } });
    await expect(sys.client.workflow.getHandle(eventWorkflowId(conn, sent.deliveryId)).describe()).rejects.toThrow(
      /not found/i,
    );
    expect(await eventRow(sys.rt.db, conn, sent.deliveryId)).toBeNull();
  });

  it('refuses a delivery from another installation with 403 wrong_installation', async () => {
    const conn = await connection('foreign');
    const issue = gh.upsertIssue(REPO, 2);
    const sent = await deliver(conn, 'issues', issueEvent('edited', issue, { installation: 7 }));
    expect(sent).toMatchObject({ status: 403, body: { error: 'wrong_installation' } });
  });

  it('tombstones a deleted issue (GitHub answers 410) and an unknown one (404) on issues.deleted', async () => {
    const conn = await connection('deleted');
    const issue = gh.upsertIssue(REPO, 3);
    const opened = await deliver(conn, 'issues', issueEvent('opened', issue));
    await waitForEventStatus(sys.rt.db, conn, opened.deliveryId, 'processed');
    gh.deleteIssue(REPO, 3);
    const deletedAt = new Date(Date.parse(issue.updated_at as string) + 500).toISOString();
    const deleted = await deliver(conn, 'issues', issueEvent('deleted', { ...issue, updated_at: deletedAt }));
    await waitForEventStatus(sys.rt.db, conn, deleted.deliveryId, 'processed');
    expect(await record(sys.rt.db, conn, 'issue', objectId(3))).toMatchObject({
      deleted: true,
      version: BigInt(Date.parse(deletedAt)),
    });

    const never = { ...issue, number: 99, updated_at: deletedAt };
    const unknown = await deliver(conn, 'issues', issueEvent('deleted', never));
    await waitForEventStatus(sys.rt.db, conn, unknown.deliveryId, 'processed');
    expect(await record(sys.rt.db, conn, 'issue', objectId(99))).toMatchObject({ deleted: true });
  });

  it('waits out a 429 with Retry-After, and a 403 rate limit without it until x-ratelimit-reset', async () => {
    const conn = await connection('limited');
    const a = gh.upsertIssue(REPO, 4);
    gh.failNext(`/repos/${REPO}/issues/4`, 1, {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'API rate limit exceeded' },
    });
    const first = await deliver(conn, 'issues', issueEvent('edited', a));
    const row = await waitForEventStatus(sys.rt.db, conn, first.deliveryId, 'processed');
    expect(row.attempts).toBe(2);
    let calls = gh.seen.filter((s) => s.path === `/repos/${REPO}/issues/4`);
    // One request per attempt: @octokit/rest retries nothing itself.
    expect(calls).toHaveLength(2);
    // Retry-After (1 s) replaced the connection's 50 ms schedule as the retry's delay: a lower bound on
    // when the retry ran, which load can only move later (the fetch is a local activity: the worker waits).
    expect(calls[1]!.atMs - calls[0]!.atMs).toBeGreaterThanOrEqual(1000);

    const b = gh.upsertIssue(REPO, 5);
    const resetSec = Math.ceil(Date.now() / 1000) + 2;
    gh.failNext(`/repos/${REPO}/issues/5`, 1, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetSec) },
      body: { message: 'API rate limit exceeded for installation ID 424242.' },
    });
    const second = await deliver(conn, 'issues', issueEvent('edited', b));
    expect((await waitForEventStatus(sys.rt.db, conn, second.deliveryId, 'processed')).attempts).toBe(2);
    calls = gh.seen.filter((s) => s.path === `/repos/${REPO}/issues/5`);
    expect(calls).toHaveLength(2);
    // Not before the reset: a lower bound on when the retry ran, which load can only move later.
    expect(calls[1]!.atMs).toBeGreaterThanOrEqual(resetSec * 1000 - 1000);
    expect(await record(sys.rt.db, conn, 'issue', objectId(5))).toMatchObject({ deleted: false });
  });

  it('waits out a 429 without Retry-After until x-ratelimit-reset (GitHub’s primary limit answered 429)', async () => {
    const conn = await connection('limited429');
    const c = gh.upsertIssue(REPO, 7);
    const resetSec = Math.ceil(Date.now() / 1000) + 2;
    gh.failNext(`/repos/${REPO}/issues/7`, 1, {
      status: 429,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetSec) },
      body: { message: 'API rate limit exceeded for installation ID 424242.' },
    });
    const sent = await deliver(conn, 'issues', issueEvent('edited', c));
    expect((await waitForEventStatus(sys.rt.db, conn, sent.deliveryId, 'processed')).attempts).toBe(2);
    const calls = gh.seen.filter((s) => s.path === `/repos/${REPO}/issues/7`);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.atMs).toBeGreaterThanOrEqual(resetSec * 1000 - 1000);
    expect(await record(sys.rt.db, conn, 'issue', objectId(7))).toMatchObject({ deleted: false });
  });

  it('retries a 404 on an issues.edited event as read lag, and tombstones at the event version once the schedule is spent', async () => {
    const conn = await connection('lagging');
    const ghost: Obj = { ...gh.upsertIssue(REPO, 8), number: 97 };
    const sent = await deliver(conn, 'issues', issueEvent('edited', ghost));
    const row = await waitForEventStatus(sys.rt.db, conn, sent.deliveryId, 'processed');
    // FAST_RETRY allows 4 attempts: 3 retried as lag, the last one tombstones.
    expect({ outcome: row.outcome, attempts: row.attempts }).toEqual({ outcome: 'tombstoned', attempts: 4 });
    expect(gh.seen.filter((s) => s.path === `/repos/${REPO}/issues/97`)).toHaveLength(4);
    expect(await record(sys.rt.db, conn, 'issue', objectId(97))).toMatchObject({
      deleted: true,
      version: BigInt(Date.parse(ghost.updated_at as string)),
    });
  });

  it('parks and alerts on a 401 at once, naming the credential', async () => {
    const conn = await connection('badtoken', { token: 'ghs_revoked' });
    const issue = gh.upsertIssue(REPO, 6);
    const sent = await deliver(conn, 'issues', issueEvent('edited', issue));
    const parked = await waitForEventStatus(sys.rt.db, conn, sent.deliveryId, 'parked');
    expect(parked.attempts).toBe(1);
    expect(parked.lastError).toMatch(/401.*credentials\.token/);
    const alert = await waitFor('the parked alert', async () =>
      sink.received
        .map((a) => a.syncline as { kind: string; connectionId: string; fields: Obj })
        .find((a) => a.kind === 'event.parked' && a.connectionId === conn),
    );
    expect(alert).toMatchObject({ connector: 'github', fields: { objectId: objectId(6) } });
    expect(String(alert.fields.lastError)).toMatch(/credentials\.token/);
  });

  it('syncs a release (no updated_at) at the time its fetch started, and its deletion above that', async () => {
    const conn = await connection('release');
    const body = (action: string): Obj => {
      const b = template('release', action);
      b.release = { ...(b.release as Obj), id: 17372790 };
      b.repository = { ...(b.repository as Obj), full_name: REPO };
      b.installation = { id: INSTALLATION };
      return b;
    };
    gh.setRelease(REPO, 17372790, { tag_name: 'v1.0.0', name: 'first' });
    const before = Date.now() * 1000;
    const published = await deliver(conn, 'release', body('published'));
    expect(published.status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, published.deliveryId, 'processed');
    const rec = await record(sys.rt.db, conn, 'release', `${REPO}#17372790`);
    expect(rec).toMatchObject({ deleted: false, data: { tag_name: 'v1.0.0', name: 'first' } });
    // Microseconds since the epoch, read when the fetch started (after the delivery was sent).
    expect(Number(rec!.version)).toBeGreaterThan(before);

    gh.setRelease(REPO, 17372790, null);
    const deleted = await deliver(conn, 'release', body('deleted'));
    await waitForEventStatus(sys.rt.db, conn, deleted.deliveryId, 'processed');
    const gone = await record(sys.rt.db, conn, 'release', `${REPO}#17372790`);
    expect(gone).toMatchObject({ deleted: true });
    expect(gone!.version > rec!.version).toBe(true);
  });

  it('reconciles issues and pull requests no webhook announced, from the issue listing', async () => {
    const repo = 'octo-org/reconciled';
    const conn = await connection('reconcile', { settings: { repositories: [repo], reconcile: { pageSize: 2 } } });
    for (let n = 1; n <= 4; n++) gh.upsertIssue(repo, n, { title: `issue ${n}` });
    gh.upsertIssue(repo, 5, { title: 'a pull request', head: { ref: 'feature' } }, { pull: true });
    gh.upsertIssue(repo, 2, { title: 'issue 2, edited' });

    const handle = await reconcileService(sys).runNow(conn, 'incremental');
    const result = (await handle.result()) as ReconcileResult;
    expect(result.status).toBe('succeeded');
    for (const n of [1, 3, 4]) expect(await record(sys.rt.db, conn, 'issue', `${repo}#${n}`)).toBeTruthy();
    expect(await record(sys.rt.db, conn, 'issue', `${repo}#2`)).toMatchObject({ data: { title: 'issue 2, edited' } });
    expect(await record(sys.rt.db, conn, 'pull_request', `${repo}#5`)).toMatchObject({
      data: { head: { ref: 'feature' } },
    });
    expect(await record(sys.rt.db, conn, 'issue', `${repo}#5`)).toBeNull();

    // The next run starts where this one ended: it lists only what changed since.
    gh.upsertIssue(repo, 3, { title: 'issue 3, edited later' });
    const before = gh.seen.length;
    expect(((await (await reconcileService(sys).runNow(conn, 'incremental')).result()) as ReconcileResult).status).toBe(
      'succeeded',
    );
    expect(await record(sys.rt.db, conn, 'issue', `${repo}#3`)).toMatchObject({
      data: { title: 'issue 3, edited later' },
    });
    const listed = gh.seen.slice(before).filter((s) => s.path === `/repos/${repo}/issues`);
    expect(listed[0]!.query.get('since')).not.toBeNull();
  });
});

describe('github connector: every @octokit/webhooks-examples delivery through the receiver', () => {
  /** event -> [body key, object type, id field]: from GitHub's REST docs, not from the connector's table. */
  const CLAIMED: Record<string, [string, string, 'number' | 'id']> = {
    issues: ['issue', 'issue', 'number'],
    pull_request: ['pull_request', 'pull_request', 'number'],
    issue_comment: ['comment', 'issue_comment', 'id'],
    pull_request_review_comment: ['comment', 'pull_request_review_comment', 'id'],
    milestone: ['milestone', 'milestone', 'number'],
    release: ['release', 'release', 'id'],
  };

  it('answers every claimed example 202 and records its object at its version; every other example 200 ignored', async () => {
    // Any installation and repository (the examples come from many); payloads trusted, so the examples' own
    // objects are what gets recorded. Releases have no version and are always fetched: the fake serves them.
    const conn = await connection('examples', {
      settings: { installationId: null, repositories: [], trustPayload: true },
    });
    const all = (examples as unknown as Array<{ name: string; examples: Obj[] }>).flatMap((e) =>
      e.examples.map((body) => ({ event: e.name, body })),
    );
    for (const { body } of all.filter((e) => e.event === 'release' && e.body.action !== 'deleted')) {
      const release = body.release as Obj;
      gh.setRelease((body.repository as Obj).full_name as string, release.id as number, release);
    }

    const accepted: Array<{ deliveryId: string; eventType: string; objectType: string; objectId: string }> = [];
    let ignored = 0;
    for (const { event, body } of all) {
      const sent = await deliver(conn, event, body);
      const claim = CLAIMED[event];
      if (!claim) {
        expect({ event, status: sent.status, body: sent.body }).toMatchObject({
          status: 200,
          body: { status: 'ignored' },
        });
        ignored += 1;
        continue;
      }
      expect({ event, action: body.action, status: sent.status }).toEqual({
        event,
        action: body.action,
        status: 202,
      });
      const [key, objectType, idField] = claim;
      const object = body[key] as Obj;
      const repo = (body.repository as Obj).full_name as string;
      accepted.push({
        deliveryId: sent.deliveryId,
        eventType: `${event}.${body.action as string}`,
        objectType,
        objectId: `${repo}#${object[idField] as number}`,
      });
    }
    expect(accepted).toHaveLength(90);
    expect(ignored).toBe(all.length - 90);

    const newest = new Map<string, number>();
    for (const { event, body } of all.filter((e) => e.event in CLAIMED && e.event !== 'release')) {
      const [key, objectType, idField] = CLAIMED[event]!;
      const object = body[key] as Obj;
      const id = `${objectType} ${(body.repository as Obj).full_name as string}#${object[idField] as number}`;
      newest.set(id, Math.max(newest.get(id) ?? 0, Date.parse(object.updated_at as string)));
    }
    for (const a of accepted) {
      const row = await waitForEventStatus(sys.rt.db, conn, a.deliveryId, 'processed', 60_000);
      expect(row).toMatchObject({ eventType: a.eventType, objectType: a.objectType, objectId: a.objectId });
    }
    for (const [key, version] of newest) {
      const [objectType, objectId] = key.split(' ') as [string, string];
      expect({ key, version: (await record(sys.rt.db, conn, objectType, objectId))?.version }).toEqual({
        key,
        version: BigInt(version),
      });
    }
  }, 600_000);
});
