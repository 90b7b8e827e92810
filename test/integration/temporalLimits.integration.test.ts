// Whatever a partner puts in an event, the start fits Temporal's limits (issue 16 §2.3),
// on the real dev server (Temporal 1.29.1: summary 400 bytes, search-attribute value 2 KiB):
// long event types and object ids are cut in the summary and search attributes, not
// refused; long event ids are hashed to fit the btree index; object ids over their bound
// are malformed (400); and a start Temporal still refuses as invalid is answered 422, not 503.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerEvent } from '../../dev/simulator';
import type { ProcessEventInput } from '../../src/contracts/processEventContract';
import { EventRefusedError } from '../../src/errors/ingestErrors';
import { EventStarter } from '../../src/ingest/starter';
import { eventWorkflowId } from '../../src/ingest/workflowId';
import type { SignatureConfig } from '../../src/signatures/types';
import { SA_EVENT_TYPE, SA_OBJECT_ID } from '../../src/temporal/searchAttributes';
import { waitForEventStatus } from '../support/events';
import { startTestSystem, type TestSystem } from '../support/system';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_limits_secret';
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

let sys: TestSystem;
let conn: string;

beforeAll(async () => {
  sys = await startTestSystem('limits');
  conn = await sys.addConnection({ name: 'long', signature: STRIPE, secrets: [SECRET] });
});
afterAll(async () => {
  await sys?.stop();
});

/** An event announcing an object the partner holds (the worker fetches it). */
function event(opts: { id?: string; type?: string; objectId?: string }): PartnerEvent {
  const objectId = opts.objectId ?? `o-${crypto.randomBytes(4).toString('hex')}`;
  const version = objectId.length <= 1_024 ? sys.partner.store.upsert('order', objectId, { n: 1 }).version : 1;
  return {
    id: opts.id ?? `evt_lim_${crypto.randomBytes(4).toString('hex')}`,
    type: (opts.type ?? 'order.updated') as PartnerEvent['type'],
    created: 0,
    data: { object: { type: 'order', id: objectId, version, deleted: false } },
  };
}

const deliver = (e: PartnerEvent) => sys.sender(conn, STRIPE, SECRET).deliver(e);

describe('what goes to Temporal fits its limits', () => {
  it('takes and processes an event whose type (3 KB, multi-byte) and object id (1 KB) pass the summary and search-attribute limits', async () => {
    const e = event({ type: `${'é'.repeat(1_500)}.updated`, objectId: `o-${'x'.repeat(1_000)}` });
    expect((await deliver(e)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, e.id, 'processed');
    const described = await sys.client.workflow.getHandle(eventWorkflowId(conn, e.id)).describe();
    const summary = (await described.staticSummary())!;
    expect(utf8Bytes(summary)).toBeLessThanOrEqual(400);
    expect(summary.startsWith('éé')).toBe(true);
    const type = described.typedSearchAttributes.get(SA_EVENT_TYPE)!;
    expect(utf8Bytes(type)).toBeLessThanOrEqual(2_048);
    expect(utf8Bytes(type)).toBeGreaterThan(1_900);
    expect(described.typedSearchAttributes.get(SA_OBJECT_ID)).toBe(e.data.object.id);
  });

  it('takes an event whose type is 3 KB of quotes and control characters (6 bytes each once JSON-encoded)', async () => {
    const e = event({ type: `${'"\u0001'.repeat(1_500)}.updated` });
    expect((await deliver(e)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, e.id, 'processed');
    const described = await sys.client.workflow.getHandle(eventWorkflowId(conn, e.id)).describe();
    const type = described.typedSearchAttributes.get(SA_EVENT_TYPE)!;
    expect(Buffer.byteLength(JSON.stringify(type), 'utf8')).toBeLessThanOrEqual(2_048);
    expect(type.startsWith('"\u0001')).toBe(true);
  });

  it('hashes an event id too long for the btree index, and still deduplicates its re-delivery', async () => {
    const e = event({ id: `evt_${'z'.repeat(5_000)}` });
    const first = await deliver(e);
    expect(first.status).toBe(202);
    const hashed = `sha256:${crypto.createHash('sha256').update(e.id).digest('hex')}`;
    expect(JSON.parse(first.body)).toMatchObject({ status: 'accepted', eventId: hashed });
    await waitForEventStatus(sys.rt.db, conn, hashed, 'processed');
    expect((await deliver(e)).status).toBe(200);
  });

  it('answers 400 malformed_body to an object id over 1 KiB', async () => {
    const res = await deliver(event({ objectId: 'y'.repeat(5_000) }));
    expect({ status: res.status, body: JSON.parse(res.body) }).toEqual({
      status: 400,
      body: { error: 'malformed_body' },
    });
  });

  it('answers a start Temporal refuses as InvalidArgument with EventRefusedError (422), not a retryable 503', async () => {
    // Only a connection id is not cut by the starter (ids are 64 characters at most); one far over 2 KiB
    // stands in for any value the bounds might miss.
    const starter = new EventStarter(sys.client, sys.rt.env.TEMPORAL_TASK_QUEUE, 4_000);
    const input = {
      eventId: 'evt_refused',
      eventType: 'order.updated',
      objectType: 'order',
      objectId: 'o-1',
      objectVersion: 1,
      connectionId: 'c'.repeat(4_000),
      connector: 'rest',
    } as unknown as ProcessEventInput;
    const refused = await starter.start(`event:limits-${crypto.randomBytes(4).toString('hex')}`, input).catch((e) => e);
    expect(refused).toBeInstanceOf(EventRefusedError);
  });
});
