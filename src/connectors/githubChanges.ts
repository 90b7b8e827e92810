// Reconciliation for the github connector: GitHub lists a repository's issues
// changed since a time, oldest first (`GET /repos/{o}/{r}/issues?state=all&sort=updated
// &direction=asc&since=`). That list also carries pull requests (in their issue shape),
// so each pull request in it is fetched from the pulls endpoint: one extra request per
// changed pull request. Milestones and comments have no "changed since" listing that
// covers deletions or edits the same way and are not reconciled (webhooks only).
//
// The cursor walks the connection's `repositories` in order: {repo, since (per repo),
// page}. `since` moves to one second before the last item's updated_at after every page
// (GitHub's `since` has second precision, and re-reading the boundary is harmless: every
// record goes through the version guard), so objects changing while we page cannot shift
// an unread one onto a page already read; the page number only counts pages whose last
// item leaves `since` where it was (more than a page of objects updated in one second).
import type { GithubApi } from './githubApi';
import { stateOf } from './githubApi';
import { formatObjectId, kindOfType } from './githubEvents';
import type { ChangeItem, JsonObject, ListPage } from './types';
import { MalformedDeliveryError } from '../errors/ingestErrors';

/** GitHub's largest page. */
export const GITHUB_MAX_PAGE = 100;

interface GithubCursor {
  repo: number;
  since: Record<string, string>;
  page: number;
}

function readCursor(cursor: string | null): GithubCursor {
  if (!cursor) return { repo: 0, since: {}, page: 1 };
  const c = JSON.parse(cursor) as Partial<GithubCursor>;
  return { repo: c.repo ?? 0, since: c.since ?? {}, page: c.page ?? 1 };
}

/** `owner/repo` as GitHub spells it, from an object's API url (…/repos/<owner>/<repo>/…). */
function repoOf(item: JsonObject): string {
  const m = typeof item.url === 'string' ? /\/repos\/([^/]+\/[^/]+)\//.exec(item.url) : null;
  if (!m) throw new MalformedDeliveryError('GitHub list item has no repository url');
  return m[1]!;
}

export function createGithubLister(api: GithubApi, repositories: string[]) {
  return async function listChanges(cursor: string | null, pageSize: number): Promise<ListPage<ChangeItem>> {
    const at = readCursor(cursor);
    const full = repositories[at.repo % repositories.length]!;
    const [owner, repo] = full.split('/') as [string, string];
    const perPage = Math.min(pageSize, GITHUB_MAX_PAGE);
    const since = at.since[full];
    const { data } = await api.get('/repos/{owner}/{repo}/issues', {
      owner,
      repo,
      state: 'all',
      sort: 'updated',
      direction: 'asc',
      per_page: perPage,
      page: at.page,
      ...(since ? { since } : {}),
    });
    if (!Array.isArray(data)) throw new MalformedDeliveryError(`GitHub issue list of ${full} is not an array`);
    const items: ChangeItem[] = [];
    for (const raw of data as JsonObject[]) {
      const objectId = formatObjectId(repoOf(raw), String(raw.number));
      if (raw.pull_request) {
        const state = await api.fetchObject('pull_request', objectId);
        // Gone between the listing and the fetch: its delete reaches us by webhook or a later run.
        if (state.found) items.push({ objectType: 'pull_request', objectId, state });
      } else items.push({ objectType: kindOfType('issue').objectType, objectId, state: stateOf(raw, objectId) });
    }

    const last = (data as JsonObject[]).at(-1)?.updated_at;
    const moved = typeof last === 'string' ? new Date(Date.parse(last) - 1000).toISOString() : undefined;
    const repoHasMore = data.length >= perPage;
    let next: GithubCursor;
    if (repoHasMore) {
      next =
        moved === undefined || moved === since
          ? { ...at, page: at.page + 1 }
          : { ...at, since: { ...at.since, [full]: moved }, page: 1 };
    } else {
      const done = { ...at.since, ...(moved ? { [full]: moved } : {}) };
      next = { repo: at.repo + 1 < repositories.length ? at.repo + 1 : 0, since: done, page: 1 };
    }
    const hasMore = repoHasMore || at.repo + 1 < repositories.length;
    return { items, nextCursor: JSON.stringify(next), hasMore };
  };
}
