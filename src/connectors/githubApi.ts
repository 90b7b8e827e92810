// The github connector's REST client: @octokit/rest with its request.fetch set to
// the fetch syncline hands connectors, no retries and no throttling (@octokit/rest
// ships neither plugin; Temporal owns retries), and X-GitHub-Api-Version pinned.
// Failure mapping (GitHub's documented rate-limit rules):
//  - 404 / 410 (deleted issue) -> tombstone;
//  - 401 -> permanent, the message names the credential;
//  - 429, or 403 with x-ratelimit-remaining: 0 / Retry-After / a "rate limit" message
//    -> transient, retried after Retry-After, else after x-ratelimit-reset, else 60 s;
//  - other 403 and 4xx -> permanent (the token lacks a permission);
//  - 5xx, 408, network errors, timeouts -> transient.
// @octokit/rest is ESM-only and this project compiles to CommonJS (module node16, which
// refuses require() of ESM), so it is loaded with a dynamic import, once per process.
import type { Octokit } from '@octokit/rest' with { 'resolution-mode': 'import' };
import { parseRetryAfter } from './partnerRequest';
import { toVersion } from './jsonPath';
import { kindOfType, parseObjectId } from './githubEvents';
import type { PartnerClock } from './observedVersion';
import type { JsonObject, ObjectState } from './types';
import { PartnerPermanentError, PartnerTransientError } from '../errors/partnerErrors';
import { MalformedDeliveryError } from '../errors/ingestErrors';

export const GITHUB_API_URL = 'https://api.github.com';
/** Secondary rate limits without Retry-After: GitHub asks for at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

export interface GithubApiOptions {
  baseUrl: string;
  token: string;
  apiVersion: string;
  timeoutMs: number;
  http: typeof fetch;
  clock: PartnerClock;
  nowMs?: () => number;
}

interface OctokitFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

function header(err: OctokitFailure, name: string): string | null {
  const v = err.response?.headers?.[name];
  return v === undefined ? null : String(v);
}

/** Maps an octokit RequestError (or anything a fetch threw) onto syncline's partner failures. */
export function githubFailure(err: unknown, nowMs: number): Error {
  const e = (err ?? {}) as OctokitFailure;
  const status = typeof e.status === 'number' ? e.status : null;
  const what = `GitHub answered ${status ?? 'nothing'}: ${e.message ?? String(err)}`;
  if (status === null || status >= 500 || status === 408)
    return new PartnerTransientError(status, what, parseRetryAfter(header(e, 'retry-after'), nowMs));
  if (status === 401) {
    return new PartnerPermanentError(
      401,
      `${what}. The connection's credentials.token (GitHub App installation token or fine-grained personal access token) was refused: replace it`,
    );
  }
  const retryAfter = parseRetryAfter(header(e, 'retry-after'), nowMs);
  const remaining = header(e, 'x-ratelimit-remaining');
  const reset = Number(header(e, 'x-ratelimit-reset'));
  const limited =
    status === 429 || retryAfter !== undefined || remaining === '0' || /rate limit/i.test(e.message ?? '');
  if ((status === 403 || status === 429) && limited) {
    let waitMs = retryAfter;
    if (waitMs === undefined && remaining === '0' && Number.isFinite(reset) && reset > 0)
      waitMs = Math.max(0, reset * 1000 - nowMs);
    return new PartnerTransientError(status, `${what} (rate limited)`, waitMs ?? SECONDARY_LIMIT_WAIT_MS);
  }
  return new PartnerPermanentError(status, `${what}${status === 403 ? ' (the token lacks a permission)' : ''}`);
}

let octokitClass: Promise<typeof Octokit> | undefined;
const loadOctokit = () => (octokitClass ??= import('@octokit/rest').then((m) => m.Octokit));

export function createGithubApi(o: GithubApiOptions) {
  const nowMs = o.nowMs ?? Date.now;
  const silent = () => undefined;
  let octokit: Octokit | undefined;
  async function client(): Promise<Octokit> {
    const OctokitClass = await loadOctokit();
    return (octokit ??= new OctokitClass({
      auth: o.token,
      baseUrl: o.baseUrl.replace(/\/+$/, ''),
      userAgent: 'syncline',
      log: { debug: silent, info: silent, warn: silent, error: silent },
      request: { fetch: o.http, retries: 0 },
    }));
  }

  async function get(route: string, params: Record<string, string | number>): Promise<{ data: unknown }> {
    const gh = await client();
    try {
      return await gh.request(`GET ${route}`, {
        ...params,
        headers: { 'x-github-api-version': o.apiVersion },
        request: { signal: AbortSignal.timeout(o.timeoutMs) },
      });
    } catch (err) {
      throw githubFailure(err, nowMs());
    }
  }

  const isGone = (err: unknown) => err instanceof PartnerPermanentError && (err.status === 404 || err.status === 410);

  /**
   * One object as GitHub answers it now; 404 / 410 is a tombstone. A versionless kind (releases) is
   * versioned by the clock read before the request is sent (observedVersion.ts).
   */
  async function fetchObject(objectType: string, objectId: string): Promise<ObjectState> {
    const kind = kindOfType(objectType);
    const { owner, repo, key } = parseObjectId(objectId);
    const startedUs = kind.versionless ? o.clock.nowUs() : null;
    try {
      const { data } = await get(kind.route, { owner, repo, key });
      if (startedUs === null) return stateOf(data, `${objectType}/${objectId}`);
      if (!data || typeof data !== 'object' || Array.isArray(data))
        throw new MalformedDeliveryError(`GitHub answer for ${objectType}/${objectId} is not an object`);
      return { found: true, version: startedUs, data: data as JsonObject };
    } catch (err) {
      if (isGone(err)) return { found: false, version: startedUs, missing: 'not_found' };
      throw err;
    }
  }

  return { get, fetchObject, isGone };
}

export type GithubApi = ReturnType<typeof createGithubApi>;

export function stateOf(data: unknown, what: string): ObjectState {
  const object = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as JsonObject) : null;
  const version = toVersion(object?.updated_at);
  if (!object || version === null) throw new MalformedDeliveryError(`GitHub object ${what} has no updated_at`);
  return { found: true, version, data: object };
}
