// The partner fetch follows the declared retry schedule attempt by attempt:
// the real fetchObjectState activity, run at each attempt of the full default
// schedule against a partner answering 503, fails with the next-retry delay
// the schedule names (the last entry repeats); a partner's Retry-After
// replaces it exactly, and a permanent 4xx is not retried at all.
// (test/integration/processEventWorkflow.integration.test.ts shows the
// server waiting exactly these delays between attempts.)
import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createPartnerActivities } from '../../src/activities/partner';
import { DEFAULT_PARTNER_RETRY } from '../../src/contracts/processEventContract';
import type { ResolvedConnection } from '../../src/connectors/types';
import { systemPartnerClock } from '../../src/connectors/observedVersion';
import { SecretBox } from '../../src/crypto/secretBox';
import type { Db } from '../../src/db/prisma';

const CONNECTION: ResolvedConnection = {
  id: 'acme',
  connector: 'rest',
  enabled: true,
  apiBaseUrl: 'http://127.0.0.1:9',
  signingSecrets: [],
  credentials: {},
  settings: {
    fetch: {
      urlTemplate: '{baseUrl}/objects/{objectType}/{objectId}',
      headers: {},
      dataPath: 'data',
      versionPath: 'version',
      deletedVersionPath: 'version',
      typeSegments: {},
      timeoutMs: 1_000,
    },
  },
};

function partnerAnswering(status: number, headers: Record<string, string> = {}) {
  return createPartnerActivities({
    db: undefined as unknown as Db, // no eventRowId below: the attempt is not written to a row
    connections: { get: async () => CONNECTION },
    box: new SecretBox(crypto.randomBytes(32)), // the input below is not sealed: the activity believes no announced version
    partnerClock: systemPartnerClock,
    http: async () => new Response(null, { status, headers }),
  });
}

/** The activity logs each failure; these are expected. */
const QUIET = new DefaultLogger('ERROR');

const ARGS = {
  connectionId: 'acme',
  objectType: 'order',
  objectId: 'o-1',
  expectedVersion: null,
  retryScheduleMs: DEFAULT_PARTNER_RETRY.scheduleMs,
};

async function failureAt(
  attempt: number,
  activities: ReturnType<typeof partnerAnswering>,
): Promise<ApplicationFailure> {
  const err = await new MockActivityEnvironment({ attempt }, { logger: QUIET })
    .run(activities.fetchObjectState, ARGS)
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('the partner retry schedule', () => {
  it('is 1 s, 5 s, 30 s, 5 min, 30 min, 2 h, 6 h over 8 attempts by default', () => {
    expect(DEFAULT_PARTNER_RETRY.scheduleMs).toEqual([1_000, 5_000, 30_000, 300_000, 1_800_000, 7_200_000, 21_600_000]);
    expect(DEFAULT_PARTNER_RETRY.maximumAttempts).toBe(8);
  });

  it('sets each attempt’s next-retry delay to the schedule’s entry for it, through the whole default schedule', async () => {
    const activities = partnerAnswering(503);
    const delays: unknown[] = [];
    for (let attempt = 1; attempt < DEFAULT_PARTNER_RETRY.maximumAttempts; attempt++)
      delays.push((await failureAt(attempt, activities)).nextRetryDelay);
    expect(delays).toEqual(DEFAULT_PARTNER_RETRY.scheduleMs);
    // Past the schedule's end its last entry repeats (a connection may allow more attempts than entries).
    expect((await failureAt(9, activities)).nextRetryDelay).toBe(21_600_000);
  });

  it('waits exactly what a partner’s Retry-After says instead', async () => {
    expect((await failureAt(4, partnerAnswering(429, { 'retry-after': '7' }))).nextRetryDelay).toBe(7_000);
    // Fractional seconds are seconds, not an HTTP date (Date.parse('1.5') is a day in 2001: "retry now").
    expect((await failureAt(4, partnerAnswering(429, { 'retry-after': '1.5' }))).nextRetryDelay).toBe(1_500);
  });

  it('does not retry a permanent 4xx', async () => {
    const failure = await failureAt(1, partnerAnswering(403));
    expect(failure).toMatchObject({ type: 'PartnerPermanentError', nonRetryable: true });
  });
});
