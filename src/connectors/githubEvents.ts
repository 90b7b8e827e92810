// What the github connector reads from a delivery. GitHub names the event only in
// the X-GitHub-Event header; the object sits under a key the event names; there is
// no type field in the body; versions are `updated_at` timestamps (epoch ms here).
//
// Claimed events (the table below). Everything else is answered 200 and ignored,
// with the reason logged and counted: a GitHub App subscribes to whole event groups,
// and a 4xx would mark every unclaimed delivery failed in GitHub's UI.
// Object ids are `<owner>/<repo>#<key>`, where key is the number (issues, pull
// requests, milestones: what their URLs use) or the id (comments), so the fetch
// can be built from the id alone.
import type { DeliveryInfo, IgnoredDelivery, Json, JsonObject, ObjectState, RawDelivery } from './types';
import { headerValue } from './connectorSettings';
import { toVersion } from './jsonPath';
import { ForeignDeliveryError, MalformedDeliveryError } from '../errors/ingestErrors';

export interface GithubKind {
  /** The event name (X-GitHub-Event). */
  event: string;
  /** Where the object sits in the body. */
  key: string;
  objectType: string;
  /** The field that addresses the object in REST URLs. */
  keyField: 'number' | 'id';
  /** The REST route that answers one object (octokit route syntax); `{key}` is the keyField value. */
  route: string;
  /** No `updated_at` (releases): versioned by when the fetch started (observedVersion.ts), never trusted from a payload. */
  versionless?: boolean;
}

export const GITHUB_KINDS: readonly GithubKind[] = [
  {
    event: 'issues',
    key: 'issue',
    objectType: 'issue',
    keyField: 'number',
    route: '/repos/{owner}/{repo}/issues/{key}',
  },
  {
    event: 'pull_request',
    key: 'pull_request',
    objectType: 'pull_request',
    keyField: 'number',
    route: '/repos/{owner}/{repo}/pulls/{key}',
  },
  {
    event: 'issue_comment',
    key: 'comment',
    objectType: 'issue_comment',
    keyField: 'id',
    route: '/repos/{owner}/{repo}/issues/comments/{key}',
  },
  {
    event: 'pull_request_review_comment',
    key: 'comment',
    objectType: 'pull_request_review_comment',
    keyField: 'id',
    route: '/repos/{owner}/{repo}/pulls/comments/{key}',
  },
  {
    event: 'milestone',
    key: 'milestone',
    objectType: 'milestone',
    keyField: 'number',
    route: '/repos/{owner}/{repo}/milestones/{key}',
  },
  {
    event: 'release',
    key: 'release',
    objectType: 'release',
    keyField: 'id',
    route: '/repos/{owner}/{repo}/releases/{key}',
    versionless: true,
  },
];

const BY_EVENT = new Map(GITHUB_KINDS.map((k) => [k.event, k]));
const BY_TYPE = new Map(GITHUB_KINDS.map((k) => [k.objectType, k]));

export function kindOfType(objectType: string): GithubKind {
  const kind = BY_TYPE.get(objectType);
  if (!kind) {
    const known = GITHUB_KINDS.map((k) => k.objectType).join(', ');
    throw new MalformedDeliveryError(`github connector cannot fetch object type "${objectType}"; it knows ${known}`);
  }
  return kind;
}

export interface GithubObjectId {
  owner: string;
  repo: string;
  key: string;
}

export function formatObjectId(fullName: string, key: string | number): string {
  return `${fullName}#${key}`;
}

/** `.` and `..` are path steps, not names: encoded they stay as they are and walk out of `/repos/{owner}/{repo}` (issue 16 §2.6). */
const DOT_SEGMENT = /^\.{1,2}$/;

export function parseObjectId(objectId: string): GithubObjectId {
  const m = /^([^/#\s]+)\/([^/#\s]+)#(\d+)$/.exec(objectId);
  if (!m) throw new MalformedDeliveryError(`github object id "${objectId}" is not <owner>/<repo>#<number or id>`);
  if (DOT_SEGMENT.test(m[1]!) || DOT_SEGMENT.test(m[2]!))
    throw new MalformedDeliveryError(`github object id "${objectId}" names a dot segment as owner or repository`);
  return { owner: m[1]!, repo: m[2]!, key: m[3]! };
}

export interface GithubIdentity {
  /** When set, deliveries must come from this GitHub App installation. */
  installationId: number | null;
  /** When non-empty, deliveries must come from one of these repositories (owner/repo, any case). */
  repositories: string[];
}

const asObject = (v: Json | undefined): JsonObject | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;

function checkIdentity(body: JsonObject, who: GithubIdentity): void {
  const installation = asObject(body.installation)?.id;
  if (who.installationId !== null && installation !== who.installationId) {
    throw new ForeignDeliveryError(
      'wrong_installation',
      `delivery from installation ${String(installation ?? 'none')}, connection covers installation ${who.installationId}`,
    );
  }
  const repo = asObject(body.repository)?.full_name;
  const allowed = who.repositories.map((r) => r.toLowerCase());
  if (allowed.length > 0 && (typeof repo !== 'string' || !allowed.includes(repo.toLowerCase()))) {
    throw new ForeignDeliveryError(
      'wrong_repository',
      `delivery from repository ${String(repo ?? 'none')}, connection covers ${who.repositories.join(', ')}`,
    );
  }
}

export function readGithubDelivery(d: RawDelivery, who: GithubIdentity): DeliveryInfo | IgnoredDelivery {
  const event = headerValue(d.headers, 'x-github-event');
  if (!event) throw new MalformedDeliveryError('delivery has no X-GitHub-Event header');
  const eventId = d.headerEventId;
  if (!eventId) throw new MalformedDeliveryError('delivery has no X-GitHub-Delivery header');
  if (event === 'ping') return { ignored: 'ping', eventId };
  const body = asObject(d.body)!;
  checkIdentity(body, who);
  const kind = BY_EVENT.get(event);
  if (!kind) return { ignored: `event "${event}" is not synced by the github connector`, eventId };
  const action = typeof body.action === 'string' ? body.action : null;
  const object = asObject(body[kind.key]);
  const fullName = asObject(body.repository)?.full_name;
  const key = object?.[kind.keyField];
  if (!object || typeof key !== 'number') throw new MalformedDeliveryError(`${event} delivery has no ${kind.key}`);
  if (typeof fullName !== 'string') throw new MalformedDeliveryError(`${event} delivery has no repository.full_name`);
  return {
    eventId,
    eventType: action ? `${event}.${action}` : event,
    objectType: kind.objectType,
    objectId: formatObjectId(fullName, key),
    objectVersion: kind.versionless ? null : toVersion(object.updated_at),
  };
}

/** Events whose object has no version of its own: their payload cannot be trusted as a state. */
export const isVersionlessEvent = (eventType: string): boolean =>
  BY_EVENT.get(eventType.split('.')[0]!)?.versionless === true;

/**
 * The object a delivery carries, for trustPayload connections. The activity that calls this has
 * the body only (no headers), so the key is found by precedence: a comment event also carries its
 * issue or pull request, and an issue or pull request event may carry its milestone.
 */
const PAYLOAD_KEYS = ['comment', 'issue', 'pull_request', 'milestone'];

export function githubStateFromPayload(d: RawDelivery): ObjectState {
  const body = asObject(d.body);
  const object = PAYLOAD_KEYS.map((k) => asObject(body?.[k])).find((o) => o !== undefined);
  const version = toVersion(object?.updated_at);
  if (!object || version === null)
    throw new MalformedDeliveryError('trusted github payload lacks an object with updated_at');
  if (body?.action === 'deleted') return { found: false, version };
  return { found: true, version, data: object };
}
