// Versions for partners that have none (src/connectors/observedVersion.ts):
// a versionless answer is versioned by the time its fetch STARTED. Two fetches
// of one object race and finish in both orders; the partner's answers and the
// clock are controlled by the test (no timing): the fetch that started later
// always wins, an answer equal to our copy only moves the version (a fence:
// no write counted), and a 404 is a tombstone at its fetch's start.
// Real fetchObjectState and applyObjectState activities, real PostgreSQL; the
// partner is a function answering what the test tells it to, when it says so.
import crypto from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createPartnerActivities } from '../../src/activities/partner';
import { createRecordActivities } from '../../src/activities/records';
import { parseEnv } from '../../src/config';
import type { WireObjectState } from '../../src/contracts/processEventContract';
import { createLogger } from '../../src/infra/log';
import { findRecord } from '../../src/store/syncRecords';
import { openRuntime, type Runtime } from '../../src/system/runtime';
import { uniqueName } from '../support/system';
import { waitFor } from '../support/wait';

interface Pending {
  url: string;
  answer(status: number, body: unknown): void;
}

let rt: Runtime;
let connectionId: string;
const pending: Pending[] = [];
const clock = { us: 0, nowUs: () => clock.us };
const QUIET = new DefaultLogger('ERROR');

const http: typeof fetch = (input) =>
  new Promise<Response>((resolve) => {
    pending.push({
      url: String(input),
      answer: (status, body) =>
        resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })),
    });
  });

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
  connectionId = uniqueName('versionless');
  await rt.connections.upsert({
    id: connectionId,
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
});
afterAll(async () => {
  await rt?.close();
});

const partner = () =>
  createPartnerActivities({ db: rt.db, box: rt.box, connections: rt.connections, http, partnerClock: clock });
const records = () => createRecordActivities({ db: rt.db });

/** Starts a fetch with the clock at `startUs`; resolves once its request is at the partner. */
async function startFetch(objectId: string, startUs: number) {
  clock.us = startUs;
  const before = pending.length;
  const result = new MockActivityEnvironment({ attempt: 1 }, { logger: QUIET }).run(partner().fetchObjectState, {
    connectionId,
    objectType: 'customer',
    objectId,
    expectedVersion: null,
  }) as Promise<WireObjectState>;
  await waitFor('the fetch reaching the partner', async () => pending.length > before);
  return { request: pending[before]!, result };
}

async function apply(objectId: string, state: Awaited<ReturnType<typeof startFetch>>['result']) {
  return records().applyObjectState({
    connectionId,
    objectType: 'customer',
    objectId,
    state: await state,
    source: `test:${objectId}`,
  });
}

const record = (objectId: string) => findRecord(rt.db, connectionId, 'customer', objectId);

describe('versionless partners: the fetch that started last wins, whichever finishes first', () => {
  it('keeps the later-started fetch when it finishes first and the earlier one finishes after it', async () => {
    const id = 'cus_later_first';
    const early = await startFetch(id, 1_000);
    const late = await startFetch(id, 2_000);
    // Answer times are later still and in the opposite order: a version stamped on arrival would let `early` win.
    clock.us = 3_000;
    late.request.answer(200, { id, object: 'customer', name: 'after the change' });
    expect((await apply(id, late.result)).outcome).toBe('applied');
    clock.us = 4_000;
    early.request.answer(200, { id, object: 'customer', name: 'before the change' });
    expect((await apply(id, early.result)).outcome).toBe('unchanged');

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
    expect((await apply(id, early.result)).outcome).toBe('applied');
    clock.us = 40_000;
    late.request.answer(200, { id, object: 'customer', name: 'after the change' });
    expect((await apply(id, late.result)).outcome).toBe('applied');

    const r = await record(id);
    expect(r?.version).toBe(20_000n);
    expect(r?.data).toMatchObject({ name: 'after the change' });
    expect(r?.writeCount).toBe(2);
  });

  it('moves only the version when the answer equals our copy (a fence), and the fence still beats an older fetch', async () => {
    const id = 'cus_fence';
    const first = await startFetch(id, 100_000);
    first.request.answer(200, { id, object: 'customer', name: 'same' });
    expect((await apply(id, first.result)).outcome).toBe('applied');
    const written = await record(id);

    const stale = await startFetch(id, 150_000);
    const again = await startFetch(id, 200_000);
    again.request.answer(200, { object: 'customer', name: 'same', id }); // same content, keys in another order
    expect((await apply(id, again.result)).outcome).toBe('unchanged');
    const fenced = await record(id);
    expect(fenced?.version).toBe(200_000n);
    expect(fenced?.writeCount).toBe(1);
    expect(fenced?.source).toBe(written?.source);
    expect(fenced?.updatedAt.getTime()).toBe(written?.updatedAt.getTime());

    // A fetch that started before the fence but answers after it, with other content, loses.
    stale.request.answer(200, { id, object: 'customer', name: 'older state' });
    expect((await apply(id, stale.result)).outcome).toBe('unchanged');
    expect((await record(id))?.data).toMatchObject({ name: 'same' });
  });

  it('tombstones a 404 at the start of its fetch, so an older live answer cannot bring the object back', async () => {
    const id = 'cus_gone';
    const live = await startFetch(id, 1_000_000);
    live.request.answer(200, { id, object: 'customer', name: 'alive' });
    await apply(id, live.result);
    const older = await startFetch(id, 1_500_000);
    const gone = await startFetch(id, 2_000_000);
    gone.request.answer(404, { error: { type: 'invalid_request_error', code: 'resource_missing' } });
    expect((await apply(id, gone.result)).outcome).toBe('tombstoned');
    older.request.answer(200, { id, object: 'customer', name: 'alive' });
    expect((await apply(id, older.result)).outcome).toBe('unchanged');
    const r = await record(id);
    expect(r?.deleted).toBe(true);
    expect(r?.version).toBe(2_000_000n);
  });
});
