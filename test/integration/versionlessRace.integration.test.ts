// Versions for partners that have none (src/connectors/observedVersion.ts):
// a versionless answer is versioned by the time its fetch STARTED. Two fetches
// of one object race and finish in both orders; the partner's answers and the
// clock are controlled by the test (no timing): the fetch that started later
// always wins, an answer equal to our copy only moves the version (a fence:
// no write counted), and a 404 is a tombstone at its fetch's start.
// The production activity (fetchAndFinish: the partner fetch, then apply and
// record in one transaction, src/activities/finishEvent.ts) on real PostgreSQL,
// for both versionless connectors: `rest` with `versionPath: null`, and `stripe`
// (through the `stripe` library). The partner is a function answering what the
// test tells it to, when it says so.
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFinishActivities, type FetchedAndFinished } from '../../src/activities/finishEvent';
import { createPartnerActivities } from '../../src/activities/partner';
import { parseEnv } from '../../src/config';
import { createLogger } from '../../src/infra/log';
import { registerEventRow } from '../../src/store/webhookEvents';
import { findRecord } from '../../src/store/syncRecords';
import { openRuntime, type Runtime } from '../../src/system/runtime';
import { uniqueName } from '../support/system';
import { waitFor } from '../support/wait';

interface Pending {
  url: string;
  answer(status: number, body: unknown): void;
}

let rt: Runtime;
const pending: Pending[] = [];
const clock = { us: 0, nowUs: () => clock.us };
const QUIET = new DefaultLogger('ERROR');
/** No parked event exists for these objects, so nothing is signalled; a signal attempt fails the test. */
const noTemporal = {
  workflow: {
    getHandle: () => {
      throw new Error('no supersede signal expected');
    },
  },
} as unknown as Client;

const http: typeof fetch = (input) =>
  new Promise<Response>((resolve) => {
    pending.push({
      url: String(input instanceof Request ? input.url : input),
      answer: (status, body) =>
        resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })),
    });
  });

const connections: Record<string, { id: string; path: string }> = {};

beforeAll(async () => {
  const env = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    DATA_DIR: inject('runDir'),
    CONNECTION_CACHE_TTL_MS: '0',
  });
  rt = await openRuntime(env, createLogger('silent', 'versionless'));
  const rest = uniqueName('versionless-rest');
  await rt.connections.upsert({
    id: rest,
    connector: 'rest',
    enabled: true,
    apiBaseUrl: 'http://partner.invalid',
    signingSecrets: ['s3cret'],
    credentials: { apiKey: 'k' },
    settings: {
      signature: { scheme: 'stripe' },
      // The partner's answer is the object itself, with no version anywhere.
      fetch: { urlTemplate: '{baseUrl}/v1/{objectType}s/{objectId}', versionPath: null, dataPath: '' },
    },
  });
  const stripe = uniqueName('versionless-stripe');
  await rt.connections.upsert({
    id: stripe,
    connector: 'stripe',
    enabled: true,
    apiBaseUrl: 'http://partner.invalid',
    signingSecrets: ['whsec_race'],
    credentials: { secretKey: 'sk_test_race' },
    settings: {},
  });
  connections.rest = { id: rest, path: '/v1/customers/' };
  connections.stripe = { id: stripe, path: '/v1/customers/' };
});
afterAll(async () => {
  await rt?.close();
});

describe.each(['rest', 'stripe'])('versionless partners (%s): the fetch that started last wins', (connector) => {
  const conn = () => connections[connector]!;
  const finish = () =>
    createFinishActivities(
      { db: rt.db, temporal: noTemporal },
      createPartnerActivities({ db: rt.db, box: rt.box, connections: rt.connections, http, partnerClock: clock }),
    );
  let seq = 0;

  /** Starts one event's fetchAndFinish with the clock at `startUs`; resolves once its request is at the partner. */
  async function startFetch(objectId: string, startUs: number, eventType = 'customer.updated') {
    seq += 1;
    const eventId = `evt_${connector}_${objectId}_${seq}`;
    const facts = {
      connectionId: conn().id,
      eventId,
      eventType,
      objectType: 'customer',
      objectId,
      objectVersion: null,
      payloadBytes: 0,
      receivedAtMs: 0,
    };
    const row = await registerEventRow(rt.db, facts, { workflowId: `race-${eventId}`, runId: 'run' });
    clock.us = startUs;
    const before = pending.length;
    const env = new MockActivityEnvironment(
      { attempt: 1, startToCloseTimeoutMs: 600_000, currentAttemptScheduledTimestampMs: Date.now() },
      { logger: QUIET },
    );
    const result = env.run(finish().fetchAndFinish, {
      connectionId: conn().id,
      eventRowId: row.eventRowId,
      eventId,
      eventType,
      objectType: 'customer',
      objectId,
      expectedVersion: null,
      maximumAttempts: 1,
      source: `webhook:${eventId}`,
    }) as Promise<FetchedAndFinished>;
    await waitFor('the fetch reaching the partner', async () => pending.length > before);
    const request = pending[before]!;
    expect(new URL(request.url).pathname).toBe(`${conn().path}${objectId}`);
    return { request, result };
  }

  async function outcome(fetch: Awaited<ReturnType<typeof startFetch>>) {
    const done = await fetch.result;
    if (!done.applied) throw new Error('the finish was deferred: the database did not answer');
    return done.outcome;
  }

  const record = (objectId: string) => findRecord(rt.db, conn().id, 'customer', objectId);

  it('keeps the later-started fetch when it finishes first and the earlier one finishes after it', async () => {
    const id = 'cus_later_first';
    const early = await startFetch(id, 1_000);
    const late = await startFetch(id, 2_000);
    // Answer times are later still and in the opposite order: a version stamped on arrival would let `early` win.
    clock.us = 3_000;
    late.request.answer(200, { id, object: 'customer', name: 'after the change' });
    expect(await outcome(late)).toBe('applied');
    clock.us = 4_000;
    early.request.answer(200, { id, object: 'customer', name: 'before the change' });
    expect(await outcome(early)).toBe('unchanged');

    const r = await record(id);
    expect(r?.version).toBe(2_000n);
    expect(r?.data).toMatchObject({ name: 'after the change' });
    expect(r?.writeCount).toBe(1);
  });

  it('keeps the later-started fetch when the earlier one finishes first', async () => {
    const id = 'cus_earlier_first';
    const early = await startFetch(id, 10_000);
    const late = await startFetch(id, 20_000);
    clock.us = 30_000;
    early.request.answer(200, { id, object: 'customer', name: 'before the change' });
    expect(await outcome(early)).toBe('applied');
    clock.us = 40_000;
    late.request.answer(200, { id, object: 'customer', name: 'after the change' });
    expect(await outcome(late)).toBe('applied');

    const r = await record(id);
    expect(r?.version).toBe(20_000n);
    expect(r?.data).toMatchObject({ name: 'after the change' });
    expect(r?.writeCount).toBe(2);
  });

  it('moves only the version when the answer equals our copy (a fence), and the fence still beats an older fetch', async () => {
    const id = 'cus_fence';
    const first = await startFetch(id, 100_000);
    first.request.answer(200, { id, object: 'customer', name: 'same' });
    expect(await outcome(first)).toBe('applied');
    const written = await record(id);

    const stale = await startFetch(id, 150_000);
    const again = await startFetch(id, 200_000);
    again.request.answer(200, { object: 'customer', name: 'same', id }); // same content, keys in another order
    expect(await outcome(again)).toBe('unchanged');
    const fenced = await record(id);
    expect(fenced?.version).toBe(200_000n);
    expect(fenced?.writeCount).toBe(1);
    expect(fenced?.source).toBe(written?.source);
    expect(fenced?.updatedAt.getTime()).toBe(written?.updatedAt.getTime());

    // A fetch that started before the fence but answers after it, with other content, loses.
    stale.request.answer(200, { id, object: 'customer', name: 'older state' });
    expect(await outcome(stale)).toBe('unchanged');
    expect((await record(id))?.data).toMatchObject({ name: 'same' });
  });

  it('tombstones a 404 at the start of its fetch, so an older live answer cannot bring the object back', async () => {
    const id = 'cus_gone';
    const live = await startFetch(id, 1_000_000);
    live.request.answer(200, { id, object: 'customer', name: 'alive' });
    await outcome(live);
    const older = await startFetch(id, 1_500_000);
    const gone = await startFetch(id, 2_000_000, 'customer.deleted');
    gone.request.answer(404, {
      error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such customer' },
    });
    expect(await outcome(gone)).toBe('tombstoned');
    older.request.answer(200, { id, object: 'customer', name: 'alive' });
    expect(await outcome(older)).toBe('unchanged');
    const r = await record(id);
    expect(r?.deleted).toBe(true);
    expect(r?.version).toBe(2_000_000n);
  });
});
