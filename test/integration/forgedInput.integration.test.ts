// Workflow input is not trusted for what gets written. Anyone who reaches
// Temporal's frontend can start a processEvent with any input, skipping the
// signature check; here the test is that caller. The receiver seals the input
// fields that decide what is written (src/crypto/inputSeal.ts) and the
// activities re-read the connection's settings: forged input can at most make
// syncline fetch the partner's own current state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessEventInput } from '../../src/contracts/processEventContract';
import { decodeHistoryPayload } from '../../src/temporal/dataConverter';
import { DEFAULT_PARTNER_RETRY } from '../../src/contracts/processEventContract';
import { eventWorkflowId } from '../../src/ingest/workflowId';
import type { SignatureConfig } from '../../src/signatures/types';
import { processEvent } from '../../src/workflows/processEvent';
import { record, waitForEventStatus } from '../support/events';
import { startTestSystem, type TestSystem } from '../support/system';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_forged_input_secret';

let sys: TestSystem;
let fetching: string;
let trusting: string;

beforeAll(async () => {
  sys = await startTestSystem('forged');
  fetching = await sys.addConnection({ name: 'fetching', signature: STRIPE, secrets: [SECRET] });
  trusting = await sys.addConnection({
    name: 'trusting',
    signature: STRIPE,
    secrets: [SECRET],
    settings: { trustPayload: true },
  });
});
afterAll(async () => {
  await sys?.stop();
});

/** Starts processEvent straight through the Temporal client, as an attacker with frontend access would. */
async function forge(input: Partial<ProcessEventInput> & Pick<ProcessEventInput, 'connectionId' | 'objectId'>) {
  const eventId = `evt_forged_${Math.random().toString(36).slice(2)}`;
  const full: ProcessEventInput = {
    eventRowId: null,
    connector: 'rest',
    eventId,
    eventType: 'order.updated',
    objectType: 'order',
    objectVersion: 1,
    trustPayload: true,
    inlinePayload: null,
    retry: { ...DEFAULT_PARTNER_RETRY, maximumAttempts: 2, scheduleMs: [50] },
    receivedAtMs: Date.now(),
    payloadBytes: 10,
    ...input,
  };
  const handle = await sys.client.workflow.start(processEvent, {
    taskQueue: sys.rt.env.TEMPORAL_TASK_QUEUE,
    workflowId: eventWorkflowId(full.connectionId, full.eventId),
    args: [full],
  });
  return { handle, eventId: full.eventId };
}

function forgedPayload(objectId: string, version: number) {
  return {
    id: 'evt_x',
    type: 'order.updated',
    data: { object: { type: 'order', id: objectId, version, deleted: false, total: 1_000_000, forged: true } },
  };
}

describe('forged processEvent input', () => {
  it('on a connection that fetches, claims a trusted payload: the partner is asked and the payload is never written', async () => {
    const snap = sys.partner.store.upsert('order', 'f-fetch', { total: 5 });
    const { handle } = await forge({
      connectionId: fetching,
      objectId: 'f-fetch',
      objectVersion: 50,
      trustPayload: true,
      inlinePayload: forgedPayload('f-fetch', 50),
    });
    const result = await handle.result();
    expect(result.status).toBe('processed');
    const rec = await record(sys.rt.db, fetching, 'order', 'f-fetch');
    expect(rec).toMatchObject({ version: BigInt(snap.version), data: { total: 5 } });
    expect(sys.partner.store.fetchCount('order', 'f-fetch')).toBe(1);
  });

  it('on a connection that trusts payloads, an unsealed payload is not written: the partner’s state is', async () => {
    const snap = sys.partner.store.upsert('order', 'f-trust', { total: 6 });
    const { handle } = await forge({
      connectionId: trusting,
      objectId: 'f-trust',
      objectVersion: 50,
      inlinePayload: forgedPayload('f-trust', 50),
    });
    expect((await handle.result()).status).toBe('processed');
    const rec = await record(sys.rt.db, trusting, 'order', 'f-trust');
    expect(rec).toMatchObject({ version: BigInt(snap.version), data: { total: 6 } });
    expect((rec?.data as { forged?: boolean }).forged).toBeUndefined();
  });

  it('a genuine seal moved onto other input is worthless: an announced version it does not cover is not believed', async () => {
    // A real, signed delivery through the receiver, sealed by it: its payload is written (the seal holds).
    const genuine = {
      id: `evt_${sys.prefix}_genuine`,
      type: 'order.updated' as const,
      created: 0,
      data: { object: { type: 'order', id: 'f-seal', version: 3, deleted: false, total: 3 } },
    };
    expect((await sys.sender(trusting, STRIPE, SECRET).deliver(genuine)).status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, trusting, genuine.id, 'processed');
    expect(await record(sys.rt.db, trusting, 'order', 'f-seal')).toMatchObject({ version: 3n, data: { total: 3 } });
    const history = await sys.client.workflow.getHandle(row.workflowId).fetchHistory();
    const startedInput = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const sealed = await decodeHistoryPayload<ProcessEventInput>(sys.client, startedInput!);
    expect(sealed.seal).toMatch(/^v1\./);

    // The same seal on input announcing a far newer version with a forged payload: neither is believed.
    // The partner's versions are store-wide: two writes put this object past the genuine payload's version 3.
    sys.partner.store.upsert('order', 'f-seal', { total: 4 });
    const snap = sys.partner.store.upsert('order', 'f-seal', { total: 4 });
    const { handle } = await forge({
      ...sealed,
      eventId: `${genuine.id}-again`,
      objectVersion: 1_000_000,
      inlinePayload: forgedPayload('f-seal', 1_000_000),
      retry: { ...DEFAULT_PARTNER_RETRY, maximumAttempts: 2, scheduleMs: [50] },
    });
    expect((await handle.result()).status).toBe('processed');
    const rec = await record(sys.rt.db, trusting, 'order', 'f-seal');
    expect(rec).toMatchObject({ version: BigInt(snap.version), data: { total: 4 } });
  });
});
