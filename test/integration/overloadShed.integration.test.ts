// OVERLOAD_MODE=shed (issue 20 §2a) on the real stack: past the admission limit a
// delivery is answered 503 `overloaded` with Retry-After at once, and Temporal is
// not called (no run, no row); once a permit is free the partner's retry is
// accepted. The limit is forced by holding the process's only permit (limit 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRefusal } from '../../src/ingest/admission';
import { eventWorkflowId } from '../../src/ingest/workflowId';
import type { SignatureConfig } from '../../src/signatures/types';
import { eventRow, waitForEventStatus } from '../support/events';
import { postRaw } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_shed_secret';

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem('shed', {
    OVERLOAD_MODE: 'shed',
    ADMISSION_INITIAL_LIMIT: '1',
    ADMISSION_MIN_LIMIT: '1',
    ADMISSION_MAX_LIMIT: '1',
  });
});
afterAll(async () => {
  await sys?.stop();
});

describe('shed mode', () => {
  it('answers 503 overloaded with Retry-After past the limit without calling Temporal, and accepts the retry later', async () => {
    const conn = await sys.addConnection({ name: 'acme', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(conn, STRIPE, SECRET);
    const snap = sys.partner.store.upsert('order', 'o-shed', { total: 1 });
    const delivery = sender.build(sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!));

    const permit = sys.api.admission.tryAcquire();
    if (isRefusal(permit)) throw new Error('the only permit was refused');
    const shed = await postRaw(`${sys.api.url}/webhooks/${conn}`, {
      headers: { ...delivery.headers },
      body: delivery.rawBody,
    });
    expect({ status: shed.status, body: shed.json }).toEqual({ status: 503, body: { error: 'overloaded' } });
    expect(shed.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    const metrics = await (await fetch(`${sys.api.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^syncline_admission_shed_total 1$/m);
    expect(metrics).toMatch(/^syncline_admission_in_flight 1$/m);
    expect(metrics).toMatch(/^syncline_admission_limit 1$/m);
    // No Temporal call: no run holds the event, so the run never recorded a row.
    const run = await sys.client.workflow
      .getHandle(eventWorkflowId(conn, delivery.eventId))
      .describe()
      .then(
        () => 'found',
        () => 'absent',
      );
    expect(run).toBe('absent');
    expect(await eventRow(sys.rt.db, conn, delivery.eventId)).toBeNull();

    sys.api.admission.release(permit, 'neutral');
    const retried = await sender.send(delivery);
    expect(retried.status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, delivery.eventId, 'processed');
  });
});
