// The github connector: GitHub webhooks (X-Hub-Signature-256) and GitHub's REST API.
// Event reading: githubEvents.ts (the claimed events and their objects); fetching:
// githubApi.ts (@octokit/rest); reconciliation: githubChanges.ts. One connection
// covers one GitHub App installation (settings.installationId) and, optionally, a
// list of repositories; deliveries from anything else are refused with 403.
import { z } from 'zod';
import { DEFAULT_PARTNER_RETRY } from '../contracts/processEventContract';
import { createGithubApi, GITHUB_API_URL } from './githubApi';
import { createGithubLister } from './githubChanges';
import { githubStateFromPayload, isVersionlessEvent, readGithubDelivery } from './githubEvents';
import { systemPartnerClock } from './observedVersion';
import { DEFAULT_HTTP_TIMEOUT_MS, retryOverridesSchema } from './connectorSettings';
import type { Connector, DeliveryInfo, PartnerClient } from './types';
import { InvalidConnectionError } from '../errors/connectionErrors';

/** The REST API version every request pins (X-GitHub-Api-Version). */
export const GITHUB_API_VERSION = '2022-11-28';

const settingsSchema = z.object({
  /** The GitHub App installation this connection covers; null = any (a repository or organization webhook). */
  installationId: z.number().int().positive().nullable().default(null),
  /** owner/repo names: deliveries from other repositories are refused, and reconciliation lists these. */
  repositories: z.array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected owner/repo')).default([]),
  apiVersion: z.string().default(GITHUB_API_VERSION),
  timeoutMs: z.number().int().positive().default(DEFAULT_HTTP_TIMEOUT_MS),
  trustPayload: z.boolean().default(false),
  retry: retryOverridesSchema,
});

export type GithubSettings = z.infer<typeof settingsSchema>;

export const githubConnector: Connector<GithubSettings> = {
  name: 'github',
  settingsSchema,
  signature: () => ({ scheme: 'github' }),
  readDelivery: (d, s) => readGithubDelivery(d, s),
  // `issues.deleted`, `release.deleted`, ...: a 404 then tombstones at once (else it is retried as read lag).
  isDeleteEvent: (eventType) => eventType.endsWith('.deleted'),
  // A release has no version of its own: its payload is never trusted as a state, it is always fetched.
  trustsPayload: (s, info?: DeliveryInfo) => s.trustPayload && !(info && isVersionlessEvent(info.eventType)),
  stateFromPayload: (d) => githubStateFromPayload(d),
  retrySettings: (s) => ({ ...DEFAULT_PARTNER_RETRY, ...s.retry }),
  httpTimeoutMs: (s) => s.timeoutMs,
  createClient(conn, http, clock = systemPartnerClock): PartnerClient {
    const token = conn.credentials.token;
    if (!token) throw new InvalidConnectionError(`connection ${conn.id} has no credentials.token for the GitHub API`);
    const api = createGithubApi({
      baseUrl: conn.apiBaseUrl ?? GITHUB_API_URL,
      token,
      apiVersion: conn.settings.apiVersion,
      timeoutMs: conn.settings.timeoutMs,
      http,
      clock,
    });
    const repositories = conn.settings.repositories;
    return {
      fetchObject: api.fetchObject,
      listChanges: repositories.length > 0 ? createGithubLister(api, repositories) : undefined,
    };
  },
};
