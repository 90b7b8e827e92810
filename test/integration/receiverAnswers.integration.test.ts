// Every answer of POST /webhooks/:connectionId, over real HTTP against the
// in-process API (503s live in the outage tests). Each rejection is checked
// three ways: the status, the short reason code as the whole JSON body (no
// secret, no signature), and no webhook_events row written for the connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerEvent } from '../../dev/simulator';
import { signDelivery, type SignatureConfig } from '../../src/signatures';
import { eventCount, eventRow, waitForEventStatus } from '../support/events';
import { postRaw, type HttpAnswer, type RawRequest } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_answers_secret_a1b2c3';
const JSON_TYPE = { 'content-type': 'application/json' };
const STALE_BY_SEC = 600;

const nowSec = () => Math.floor(Date.now() / 1000);

function signedHeaders(
  body: Buffer,
  opts: { secret?: string; atSec?: number; contentType?: string | null } = {},
): Record<string, string> {
  const signed = signDelivery(STRIPE, {
    rawBody: body,
    secret: opts.secret ?? SECRET,
    nowSec: opts.atSec ?? nowSec(),
    eventId: 'unused',
  });
  const contentType =
    opts.contentType === undefined ? JSON_TYPE : opts.contentType === null ? {} : { 'content-type': opts.contentType };
  return { ...signed, ...contentType };
}

function orderEvent(id: string, objectId = 'o-1'): PartnerEvent {
  return {
    id,
    type: 'order.updated',
    created: 0,
    data: { object: { type: 'order', id: objectId, version: 1, deleted: false } },
  };
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

function webhookUrl(sys: TestSystem, connectionId: string): string {
  return `${sys.api.url}/webhooks/${encodeURIComponent(connectionId)}`;
}

/** Sends, then checks the answer is exactly `{ error: code }` and that the connection gained no event row. */
async function expectRejected(
  sys: TestSystem,
  connectionId: string,
  req: RawRequest,
  status: number,
  code: string,
): Promise<HttpAnswer> {
  const before = await eventCount(sys.rt.db, connectionId);
  const res = await postRaw(webhookUrl(sys, connectionId), req);
  expect({ status: res.status, body: res.json }).toEqual({ status, body: { error: code } });
  expect(res.text).not.toContain(SECRET);
  expect(await eventCount(sys.rt.db, connectionId)).toBe(before);
  return res;
}

let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem('answers');
});
afterAll(async () => {
  await sys?.stop();
});

describe('receiver answers for deliveries it takes', () => {
  it('answers 202 accepted for a new, correctly signed delivery, and its run records it', async () => {
    const conn = await sys.addConnection({ name: 'ok', signature: STRIPE, secrets: [SECRET] });
    const snap = sys.partner.store.upsert('order', 'o-202', { total: 1 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    const sentAt = Date.now();

    const res = await sys.sender(conn, STRIPE, SECRET).deliver(event);

    expect(res.status).toBe(202);
    const answer = JSON.parse(res.body) as { status: string; eventId: string; workflowId: string };
    expect(answer).toMatchObject({ status: 'accepted', eventId: event.id });
    // The ack wrote nothing; the workflow's first step records the row, tagged with its own run.
    const row = await waitFor('the run to record the row', () => eventRow(sys.rt.db, conn, event.id));
    const { runId } = await sys.client.workflow.getHandle(answer.workflowId).describe();
    expect(row).toMatchObject({ objectId: 'o-202', deliveryCount: 1, workflowId: answer.workflowId, runId });
    expect(['accepted', 'processed']).toContain(row.status);
    // received_at is when the receiver took the delivery, not when the run got to it.
    expect(row.receivedAt.getTime()).toBeGreaterThanOrEqual(sentAt - 1_000);
    expect(row.acceptedAt!.getTime()).toBeGreaterThanOrEqual(row.receivedAt.getTime());
  });

  it('answers 200 and says duplicate when the same delivery arrives again, and counts it on the one row', async () => {
    const conn = await sys.addConnection({ name: 'dup', signature: STRIPE, secrets: [SECRET] });
    const snap = sys.partner.store.upsert('order', 'o-200', { total: 2 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    const sender = sys.sender(conn, STRIPE, SECRET);
    const delivery = sender.build(event);

    expect((await sender.send(delivery)).status).toBe(202);
    const again = await sender.send(delivery);

    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ status: 'duplicate', eventId: event.id });
    // The duplicate is counted off the ack path, whichever of it and the run writes the row first.
    await waitFor('both deliveries counted', async () =>
      (await eventRow(sys.rt.db, conn, event.id))?.deliveryCount === 2 ? true : undefined,
    );
    expect(await eventCount(sys.rt.db, conn)).toBe(1);
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    expect(await eventRow(sys.rt.db, conn, event.id)).toMatchObject({ deliveryCount: 2 });
  });
});

describe('receiver answers 401 for signatures it cannot trust', () => {
  const cases: { problem: string; code: string; headers: (body: Buffer) => Record<string, string> }[] = [
    { problem: 'no signature header', code: 'missing_signature', headers: () => ({ ...JSON_TYPE }) },
    {
      problem: 'a malformed signature header',
      code: 'malformed_signature',
      headers: () => ({ ...JSON_TYPE, 'stripe-signature': `t=${nowSec()},v1=not-hex-at-all` }),
    },
    {
      problem: 'a signature made with the wrong secret',
      code: 'invalid_signature',
      headers: (b) => signedHeaders(b, { secret: 'whsec_someone_elses_secret' }),
    },
    {
      problem: 'a signature older than the tolerance',
      code: 'stale_timestamp',
      headers: (b) => signedHeaders(b, { atSec: nowSec() - STALE_BY_SEC }),
    },
  ];

  it.each(cases)(
    'answers 401 $code to $problem, echoing neither secret nor signature and writing nothing',
    async ({ problem, code, headers }) => {
      const conn = await sys.addConnection({ name: `sig-${slug(problem)}`, signature: STRIPE, secrets: [SECRET] });
      const body = bytes(orderEvent(`evt_${sys.prefix}_${slug(problem)}`));
      const sent = headers(body);

      const res = await expectRejected(sys, conn, { headers: sent, body }, 401, code);

      const signature = sent['Stripe-Signature'] ?? sent['stripe-signature'];
      if (signature) {
        expect(res.text).not.toContain(signature);
        for (const part of signature.split(',')) expect(res.text).not.toContain(part.split('=')[1]);
      }
    },
  );
});

describe('receiver answers 400 for correctly signed bodies it cannot read', () => {
  const cases: { problem: string; body: () => Buffer }[] = [
    { problem: 'malformed JSON', body: () => Buffer.from('{"id":"evt_broken","type":', 'utf8') },
    // Well-formed JSON once decoded leniently: only the UTF-8 check can reject it.
    {
      problem: 'invalid UTF-8',
      body: () =>
        Buffer.concat([
          Buffer.from('{"id":"evt_', 'utf8'),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from('",'),
          bytes(orderEvent('x')).subarray('{"id":"x",'.length),
        ]),
    },
    { problem: 'a JSON array', body: () => bytes([orderEvent('evt_in_array')]) },
    { problem: 'a JSON scalar', body: () => bytes('evt_scalar') },
    { problem: 'an empty body', body: () => Buffer.alloc(0) },
    { problem: 'no event id', body: () => bytes({ ...orderEvent('unused'), id: undefined }) },
    {
      problem: 'no object id',
      body: () =>
        bytes({ ...orderEvent('evt_no_object_id'), data: { object: { type: 'order', version: 1, deleted: false } } }),
    },
  ];

  it.each(cases)('answers 400 malformed_body to $problem and writes nothing', async ({ problem, body }) => {
    const conn = await sys.addConnection({ name: `body-${slug(problem)}`, signature: STRIPE, secrets: [SECRET] });
    const raw = body();
    await expectRejected(sys, conn, { headers: signedHeaders(raw), body: raw }, 400, 'malformed_body');
  });
});

describe('receiver answers 404 for connections that cannot take webhooks', () => {
  const body = () => bytes(orderEvent('evt_404'));

  it('answers 404 unknown_connection for a connection id that does not exist', async () => {
    const raw = body();
    await expectRejected(
      sys,
      `${sys.prefix}-nobody`,
      { headers: signedHeaders(raw), body: raw },
      404,
      'unknown_connection',
    );
  });

  it('answers 404 to ids outside the connection-id format without looking them up or caching them', async () => {
    const raw = body();
    const cachedBefore = sys.rt.connections.cachedBytes;
    // 15 KB ids used to be looked up and cached as misses without bound; NUL used to reach PostgreSQL (503).
    for (const id of ['x'.repeat(15_000), '\u0000', 'a.b', `${sys.prefix}/x`, '-leading-dash', 'y'.repeat(65)]) {
      const res = await postRaw(webhookUrl(sys, id), { headers: signedHeaders(raw), body: raw });
      expect({ id: id.slice(0, 20), status: res.status, body: res.json }).toEqual({
        id: id.slice(0, 20),
        status: 404,
        body: { error: 'unknown_connection' },
      });
    }
    const nul = await postRaw(`${sys.api.url}/webhooks/%00`, { headers: signedHeaders(raw), body: raw });
    expect({ status: nul.status, body: nul.json }).toEqual({ status: 404, body: { error: 'unknown_connection' } });
    expect(sys.rt.connections.cachedBytes).toBe(cachedBefore);
  });

  it('answers 400 to a path that is not valid percent-encoding, not 500', async () => {
    const raw = body();
    const res = await postRaw(`${sys.api.url}/webhooks/%ZZ`, { headers: signedHeaders(raw), body: raw });
    expect({ status: res.status, body: res.json }).toEqual({ status: 400, body: { error: 'bad_request' } });
  });

  it('answers 404 connection_disabled for a disabled connection, even with a valid signature', async () => {
    const conn = await sys.addConnection({ name: 'disabled', signature: STRIPE, secrets: [SECRET], enabled: false });
    const raw = body();
    await expectRejected(sys, conn, { headers: signedHeaders(raw), body: raw }, 404, 'connection_disabled');
  });

  it('answers 404 webhooks_not_supported for a polling-only connection with no signature scheme', async () => {
    const conn = await sys.addConnection({
      name: 'polling',
      signature: STRIPE,
      secrets: [SECRET],
      settings: { signature: null },
    });
    const raw = body();
    await expectRejected(sys, conn, { headers: signedHeaders(raw), body: raw }, 404, 'webhooks_not_supported');
  });
});

describe('receiver answers 415 for correctly signed bodies that are not JSON', () => {
  it.each([
    { label: 'text/plain', contentType: 'text/plain' },
    { label: 'no Content-Type at all', contentType: null },
  ])('answers 415 unsupported_media_type to $label and writes nothing', async ({ label, contentType }) => {
    const conn = await sys.addConnection({ name: `type-${slug(label)}`, signature: STRIPE, secrets: [SECRET] });
    const raw = bytes(orderEvent(`evt_${sys.prefix}_415`));
    await expectRejected(
      sys,
      conn,
      { headers: signedHeaders(raw, { contentType }), body: raw },
      415,
      'unsupported_media_type',
    );
  });
});

describe('receiver answers 413 over the body limit', () => {
  const LIMIT_BYTES = 1024;
  let small: TestSystem;

  beforeAll(async () => {
    small = await startTestSystem('answers-limit', { WEBHOOK_BODY_LIMIT_BYTES: String(LIMIT_BYTES) });
  });
  afterAll(async () => {
    await small?.stop();
  });

  /** A signed delivery of a real partner object whose body is exactly `size` bytes. */
  function deliveryOfSize(conn: string, size: number) {
    const snap = small.partner.store.upsert('order', `o-size-${size}`, { note: '' });
    const event = small.partner.events.fromChange(small.partner.store.changeAt(snap.version)!);
    event.data.object.note = 'x'.repeat(size - bytes(event).length);
    const delivery = small.sender(conn, STRIPE, SECRET).build(event);
    expect(delivery.rawBody.length).toBe(size);
    return delivery;
  }

  it('accepts a body of exactly the limit', async () => {
    const conn = await small.addConnection({ name: 'at-limit', signature: STRIPE, secrets: [SECRET] });
    const delivery = deliveryOfSize(conn, LIMIT_BYTES);
    expect((await small.sender(conn, STRIPE, SECRET).send(delivery)).status).toBe(202);
  });

  it('answers 413 payload_too_large to a correctly signed body one byte over the limit', async () => {
    const conn = await small.addConnection({ name: 'over-limit', signature: STRIPE, secrets: [SECRET] });
    const { headers, rawBody } = deliveryOfSize(conn, LIMIT_BYTES + 1);
    await expectRejected(small, conn, { headers: { ...headers }, body: rawBody }, 413, 'payload_too_large');
  });

  it('answers 413 to a chunked body that declares no length and runs past the limit', async () => {
    const conn = await small.addConnection({ name: 'chunked', signature: STRIPE, secrets: [SECRET] });
    const { headers, rawBody } = deliveryOfSize(conn, LIMIT_BYTES * 4);
    await expectRejected(
      small,
      conn,
      { headers: { ...headers }, body: rawBody, chunked: true },
      413,
      'payload_too_large',
    );
  });

  it('answers 413 to a Content-Length over the limit without waiting for a body that never comes', async () => {
    const conn = await small.addConnection({ name: 'lying-length', signature: STRIPE, secrets: [SECRET] });
    const raw = bytes(orderEvent(`evt_${small.prefix}_liar`));
    const req: RawRequest = {
      headers: signedHeaders(raw),
      body: raw,
      declaredLength: 10 * 1024 * 1024,
      leaveOpen: true,
    };
    await expectRejected(small, conn, req, 413, 'payload_too_large');
  });
});
