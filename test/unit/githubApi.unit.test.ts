// The github connector's fetch path against recorded GitHub API answers.
// @octokit/fixtures holds real api.github.com exchanges (normalized: ids, dates and
// tokens replaced). It has no single-issue GET, so the documented equivalent used here:
//  - an issue GET is answered with the issue GitHub returned when the
//    `add-labels-to-issue` scenario created it (same representation: GitHub's issue
//    object), with that exchange's recorded headers;
//  - a 404 is the recorded `branch-protection` 404, a 422 the recorded `errors` one;
//  - the issue listing replays the recorded `paginate-issues` pages by page number.
// The fixtures are read as JSON and replayed through the fetch the connector is given
// (their nock helpers intercept node:http, which octokit's fetch does not use).
// 401 / 403 / 429 answers are built here from GitHub's documented rate-limit headers.
import { describe, expect, it } from 'vitest';
import { githubConnector, GITHUB_API_VERSION, type GithubSettings } from '../../src/connectors/githubConnector';
import { githubFailure } from '../../src/connectors/githubApi';
import type { JsonObject, ResolvedConnection } from '../../src/connectors/types';
import { PartnerPermanentError, PartnerTransientError } from '../../src/errors/partnerErrors';
import { MalformedDeliveryError } from '../../src/errors/ingestErrors';

interface Recorded {
  method: string;
  path: string;
  status: number;
  response: unknown;
  headers: Record<string, string>;
}
const fixture = (name: string): Recorded[] =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(`@octokit/fixtures/scenarios/api.github.com/${name}/normalized-fixture.json`) as Recorded[];

const createdIssue = fixture('add-labels-to-issue').find((r) => r.method === 'post' && r.status === 201)!;
const notFound = fixture('branch-protection').find((r) => r.status === 404)!;
const invalid = fixture('errors')[0]!;
const issuePages = fixture('paginate-issues');
const recordedRelease = fixture('release-assets').find((r) => r.method === 'get' && /releases\/tags/.test(r.path))!;

type Seen = { url: URL; headers: Headers };
function replay(answer: (url: URL) => { status: number; body: unknown; headers?: Record<string, string> }) {
  const seen: Seen[] = [];
  const http: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    seen.push({ url, headers: new Headers(init?.headers) });
    const a = answer(url);
    const headers = { ...a.headers, 'content-type': 'application/json; charset=utf-8' };
    delete (headers as Record<string, string>)['content-length'];
    return new Response(a.status === 204 ? null : JSON.stringify(a.body), { status: a.status, headers });
  };
  return { http, seen };
}

function conn(settings: Partial<GithubSettings> = {}): ResolvedConnection<GithubSettings> {
  return {
    id: 'gh-unit',
    connector: 'github',
    enabled: true,
    apiBaseUrl: null,
    signingSecrets: ['s'],
    credentials: { token: 'ghs_recorded' },
    settings: githubConnector.settingsSchema.parse(settings) as GithubSettings,
  };
}

describe('github connector: fetching through @octokit/rest', () => {
  it('GETs the issue from the REST API with the token and the pinned API version, and reads its updated_at', async () => {
    const { http, seen } = replay(() => ({
      status: 200,
      body: createdIssue.response,
      headers: createdIssue.headers,
    }));
    const state = await githubConnector
      .createClient(conn(), http)
      .fetchObject('issue', 'octokit-fixture-org/add-labels-to-issue#1');
    const issue = createdIssue.response as JsonObject;
    expect(state).toEqual({ found: true, version: Date.parse(issue.updated_at as string), data: issue });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url.href).toBe('https://api.github.com/repos/octokit-fixture-org/add-labels-to-issue/issues/1');
    expect(seen[0]!.headers.get('x-github-api-version')).toBe(GITHUB_API_VERSION);
    expect(seen[0]!.headers.get('authorization')).toBe('token ghs_recorded');
  });

  it('builds each claimed type’s URL from its id, against a GitHub Enterprise base URL too', async () => {
    const { http, seen } = replay(() => ({ status: 200, body: createdIssue.response }));
    const client = githubConnector.createClient({ ...conn(), apiBaseUrl: 'https://ghe.example.com/api/v3/' }, http);
    await client.fetchObject('pull_request', 'o/r#2');
    await client.fetchObject('issue_comment', 'o/r#492700400');
    await client.fetchObject('pull_request_review_comment', 'o/r#284312630');
    await client.fetchObject('milestone', 'o/r#1');
    expect(seen.map((s) => s.url.href)).toEqual([
      'https://ghe.example.com/api/v3/repos/o/r/pulls/2',
      'https://ghe.example.com/api/v3/repos/o/r/issues/comments/492700400',
      'https://ghe.example.com/api/v3/repos/o/r/pulls/comments/284312630',
      'https://ghe.example.com/api/v3/repos/o/r/milestones/1',
    ]);
    await expect(client.fetchObject('discussion', 'o/r#1')).rejects.toThrow(MalformedDeliveryError);
    await expect(client.fetchObject('issue', 'not-an-id')).rejects.toThrow(MalformedDeliveryError);
  });

  it('refuses an owner or repository that is a dot segment before any request (issue 16 §2.6)', async () => {
    const { http, seen } = replay(() => ({ status: 200, body: createdIssue.response }));
    const client = githubConnector.createClient(conn(), http);
    for (const id of ['../..#1', 'o/..#1', '../r#1', './r#1', 'o/.#1'])
      await expect(client.fetchObject('issue', id), id).rejects.toThrow(/dot segment/);
    expect(seen).toEqual([]);
    // Dots inside a name are GitHub's own (repositories like `socket.io`): still fetched, under their path.
    await client.fetchObject('issue', 'o/socket.io#1');
    expect(seen.map((s) => s.url.pathname)).toEqual(['/repos/o/socket.io/issues/1']);
  });

  it('versions a release (no updated_at) by the clock read before the request, a 404 too', async () => {
    let now = 1_000_000;
    const reads: string[] = [];
    const clock = { nowUs: () => (reads.push('clock'), (now += 10)) };
    const { http, seen } = replay(() => {
      reads.push('request');
      return { status: 200, body: recordedRelease.response, headers: recordedRelease.headers };
    });
    const client = githubConnector.createClient(conn(), http, clock);
    const release = recordedRelease.response as JsonObject;
    expect(await client.fetchObject('release', `octokit-fixture-org/release-assets#${release.id as number}`)).toEqual({
      found: true,
      version: 1_000_010,
      data: release,
    });
    expect(reads).toEqual(['clock', 'request']);
    expect(seen[0]!.url.pathname).toBe(`/repos/octokit-fixture-org/release-assets/releases/${release.id as number}`);
    const gone = replay(() => ({ status: 404, body: notFound.response })).http;
    expect(await githubConnector.createClient(conn(), gone, clock).fetchObject('release', 'o/r#1')).toEqual({
      found: false,
      version: 1_000_020,
      missing: 'not_found',
    });
  });

  it('turns a recorded 404, and a 410 (deleted issue), into a tombstone', async () => {
    const gone = (status: number) =>
      replay(() => ({ status, body: notFound.response, headers: notFound.headers })).http;
    for (const status of [404, 410]) {
      expect(await githubConnector.createClient(conn(), gone(status)).fetchObject('issue', 'o/r#9')).toEqual({
        found: false,
        version: null,
        missing: 'not_found',
      });
    }
  });

  it('makes a recorded 422 permanent', async () => {
    const { http } = replay(() => ({ status: invalid.status, body: invalid.response, headers: invalid.headers }));
    const err = await githubConnector
      .createClient(conn(), http)
      .fetchObject('issue', 'o/r#1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartnerPermanentError);
    expect((err as PartnerPermanentError).status).toBe(422);
  });

  it('makes 401 permanent with a message naming the credential', () => {
    const err = githubFailure({ status: 401, message: 'Bad credentials', response: { headers: {} } }, 0);
    expect(err).toBeInstanceOf(PartnerPermanentError);
    expect(err.message).toMatch(/credentials\.token/);
  });

  it('retries rate limits after Retry-After, else after x-ratelimit-reset, else a minute; other 403s are permanent', () => {
    const now = 1_700_000_000_000;
    const f = (status: number, headers: Record<string, string>, message = 'API rate limit exceeded') =>
      githubFailure({ status, message, response: { headers } }, now) as PartnerTransientError;
    expect(f(429, { 'retry-after': '7' })).toMatchObject({ name: 'PartnerTransientError', retryAfterMs: 7000 });
    expect(f(403, { 'retry-after': '3' }, 'secondary rate limit')).toMatchObject({ retryAfterMs: 3000 });
    const reset = String(now / 1000 + 42);
    expect(f(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset })).toMatchObject({
      name: 'PartnerTransientError',
      retryAfterMs: 42_000,
    });
    expect(f(429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset })).toMatchObject({
      retryAfterMs: 42_000,
    });
    expect(f(403, {}, 'You have exceeded a secondary rate limit')).toMatchObject({ retryAfterMs: 60_000 });
    expect(f(403, { 'x-ratelimit-remaining': '4999' }, 'Resource not accessible by integration')).toBeInstanceOf(
      PartnerPermanentError,
    );
    expect(githubFailure({ status: 502, message: 'Bad gateway' }, now)).toBeInstanceOf(PartnerTransientError);
    expect(githubFailure(new TypeError('fetch failed'), now)).toBeInstanceOf(PartnerTransientError);
  });

  it('lists issues changed since the cursor, oldest first, over the recorded pages', async () => {
    const { http, seen } = replay((url) => {
      const page = Number(url.searchParams.get('page') ?? '1');
      const rec = issuePages[page - 1];
      return rec ? { status: 200, body: rec.response, headers: rec.headers } : { status: 200, body: [] };
    });
    const client = githubConnector.createClient(conn({ repositories: ['octokit-fixture-org/paginate-issues'] }), http);
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page = await client.listChanges!(cursor, 3);
      ids.push(...page.items.map((it) => `${it.objectType}:${it.objectId}`));
      for (const it of page.items)
        expect(it.state).toMatchObject({ found: true, version: Date.parse('2017-10-10T16:00:00Z') });
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    const first = seen[0]!.url.searchParams;
    expect(Object.fromEntries(first)).toEqual({
      state: 'all',
      sort: 'updated',
      direction: 'asc',
      per_page: '3',
      page: '1',
    });
    // Every recorded issue was listed, under GitHub's own spelling of the repository.
    expect(new Set(ids)).toEqual(
      new Set(Array.from({ length: 13 }, (_, i) => `issue:octokit-fixture-org/paginate-issues#${i + 1}`)),
    );
    // All recorded issues share one updated_at: `since` stays at one second before it and the page number advances.
    expect(seen.at(-1)!.url.searchParams.get('since')).toBe('2017-10-10T15:59:59.000Z');
    expect(JSON.parse(cursor!)).toEqual({
      repo: 0,
      since: { 'octokit-fixture-org/paginate-issues': '2017-10-10T15:59:59.000Z' },
      page: 1,
    });
  });
});
