// The github connector against GitHub's own payloads: EVERY example in
// @octokit/webhooks-examples (community-contributed real deliveries, api.github.com)
// is signed with @octokit/webhooks-methods (GitHub's official signing code), verified
// by syncline's github scheme and read by the connector. For the claimed events the
// expected object type, id and version are written out here independently of the
// connector's own table; every other event must be ignored (200), never refused.
import examples from '@octokit/webhooks-examples';
import { describe, expect, it } from 'vitest';
import { githubConnector, type GithubSettings } from '../../src/connectors/githubConnector';
import type { DeliveryInfo, IgnoredDelivery, Json, JsonObject } from '../../src/connectors/types';
import { verifySignature } from '../../src/signatures';
import { ForeignDeliveryError, MalformedDeliveryError } from '../../src/errors/ingestErrors';

interface OctokitMethods {
  sign(secret: string, payload: string): Promise<string>;
}
const OCTOKIT_METHODS = '@octokit/webhooks-methods';
const methods = async (): Promise<OctokitMethods> => (await import(OCTOKIT_METHODS)) as OctokitMethods;

const SECRET = 'gh-examples-secret';
const settings = (over: Partial<GithubSettings> = {}): GithubSettings =>
  githubConnector.settingsSchema.parse({ ...over }) as GithubSettings;

/** event -> [object key in the body, object type, the field its id is built from]: from GitHub's REST docs. */
const CLAIMED: Record<string, [string, string, 'number' | 'id']> = {
  issues: ['issue', 'issue', 'number'],
  pull_request: ['pull_request', 'pull_request', 'number'],
  issue_comment: ['comment', 'issue_comment', 'id'],
  pull_request_review_comment: ['comment', 'pull_request_review_comment', 'id'],
  milestone: ['milestone', 'milestone', 'number'],
  release: ['release', 'release', 'id'],
};
/** Objects without updated_at: the event announces no version (the fetch's start versions them). */
const VERSIONLESS = new Set(['release']);

type Example = JsonObject;
const all: Array<{ event: string; example: Example; n: number }> = (
  examples as unknown as Array<{ name: string; examples: Example[] }>
).flatMap((e) => e.examples.map((example, n) => ({ event: e.name, example, n })));

async function read(event: string, example: Example, s = settings(), deliveryId = 'd-1') {
  const raw = JSON.stringify(example);
  const headers = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': await (await methods()).sign(SECRET, raw),
  };
  const verified = verifySignature(githubConnector.signature(s)!, {
    headers,
    rawBody: Buffer.from(raw),
    secrets: [SECRET],
    nowSec: 0,
  });
  return githubConnector.readDelivery(
    { headers, body: JSON.parse(raw) as Json, headerEventId: verified.headerEventId },
    s,
  );
}

describe('github connector: every @octokit/webhooks-examples payload', () => {
  it('covers every claimed event with examples', () => {
    for (const event of Object.keys(CLAIMED)) expect(all.filter((e) => e.event === event).length).toBeGreaterThan(0);
  });

  for (const event of Object.keys(CLAIMED)) {
    it(`maps every ${event} example to its object, type, id and updated_at version`, async () => {
      const [key, objectType, idField] = CLAIMED[event]!;
      for (const { example } of all.filter((e) => e.event === event)) {
        const object = example[key] as JsonObject;
        const repo = (example.repository as JsonObject).full_name as string;
        const info = (await read(event, example, settings(), `delivery-${event}`)) as DeliveryInfo;
        expect(info).toEqual({
          eventId: `delivery-${event}`,
          eventType: `${event}.${example.action as string}`,
          objectType,
          objectId: `${repo}#${object[idField] as number}`,
          objectVersion: VERSIONLESS.has(event) ? null : new Date(object.updated_at as string).getTime(),
        });
      }
    });
  }

  it('answers every other example (ping included) as ignored, with the delivery id and a reason', async () => {
    const others = all.filter((e) => !(e.event in CLAIMED));
    expect(others.length).toBeGreaterThan(100);
    for (const { event, example } of others) {
      const got = (await read(event, example)) as IgnoredDelivery;
      expect(got.eventId).toBe('d-1');
      expect(got.ignored).toBe(event === 'ping' ? 'ping' : `event "${event}" is not synced by the github connector`);
    }
  });

  it('refuses a delivery from another installation or repository, and accepts its own', async () => {
    const withInstallation = all.find((e) => e.event === 'issues' && (e.example.installation as JsonObject)?.id === 1)!;
    const withoutInstallation = all.find((e) => e.event === 'issues' && !e.example.installation)!;
    const own = settings({ installationId: 1, repositories: ['codertocat/hello-world'] });
    expect(((await read('issues', withInstallation.example, own)) as DeliveryInfo).objectId).toBe(
      'Codertocat/Hello-World#1',
    );
    const other = settings({ installationId: 2 });
    await expect(read('issues', withInstallation.example, other)).rejects.toThrow(ForeignDeliveryError);
    await expect(read('issues', withInstallation.example, other)).rejects.toMatchObject({
      code: 'wrong_installation',
    });
    await expect(read('issues', withoutInstallation.example, other)).rejects.toThrow(/installation none/);
    const repoOnly = settings({ repositories: ['octo-org/octo-repo'] });
    await expect(read('issues', withInstallation.example, repoOnly)).rejects.toMatchObject({
      code: 'wrong_repository',
    });
  });

  it('refuses a delivery without the X-GitHub-Event header as malformed', () => {
    const body = all.find((e) => e.event === 'issues')!.example;
    expect(() => githubConnector.readDelivery({ headers: {}, body, headerEventId: 'x' }, settings())).toThrow(
      MalformedDeliveryError,
    );
  });

  it('reads a trusted payload: the event object with its version, a deleted action as a tombstone', () => {
    for (const { event, example } of all.filter((e) => e.event in CLAIMED && !VERSIONLESS.has(e.event))) {
      const [key] = CLAIMED[event]!;
      const object = example[key] as JsonObject;
      const state = githubConnector.stateFromPayload({ headers: {}, body: example }, settings());
      const version = new Date(object.updated_at as string).getTime();
      if (example.action === 'deleted') expect(state).toEqual({ found: false, version });
      else expect(state).toEqual({ found: true, version, data: object });
    }
  });

  it('never trusts a release payload (it has no version): a release event is always fetched', async () => {
    const trusting = settings({ trustPayload: true });
    const release = all.find((e) => e.event === 'release')!;
    const issue = all.find((e) => e.event === 'issues')!;
    expect(
      githubConnector.trustsPayload(trusting, (await read('release', release.example, trusting)) as DeliveryInfo),
    ).toBe(false);
    expect(
      githubConnector.trustsPayload(trusting, (await read('issues', issue.example, trusting)) as DeliveryInfo),
    ).toBe(true);
  });
});
