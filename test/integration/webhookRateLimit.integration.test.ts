// The per-connection rate limit on the webhook route (issue 16 §2.10): beyond the burst a
// connection's deliveries are answered 429 + Retry-After, before any workflow starts; another
// connection is not affected. Real API, Temporal dev server and PostgreSQL.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerEvent } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { eventCount } from '../support/events';
import { postRaw } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_rate_secret';

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem('ratelimit', { WEBHOOK_RATE_LIMIT_PER_SEC: '1', WEBHOOK_RATE_LIMIT_BURST: '3' });
});
afterAll(async () => {
  await sys?.stop();
});

const event = (): PartnerEvent => ({
  id: `evt_rl_${crypto.randomBytes(4).toString('hex')}`,
  type: 'order.updated',
  created: 0,
  data: { object: { type: 'order', id: 'o-1', version: 1, deleted: false } },
});

describe('webhook rate limit', () => {
  it('answers 429 with Retry-After past the burst, per connection, without starting anything', async () => {
    const noisy = await sys.addConnection({ name: 'noisy', signature: STRIPE, secrets: [SECRET] });
    const quiet = await sys.addConnection({ name: 'quiet', signature: STRIPE, secrets: [SECRET] });
    const sender = sys.sender(noisy, STRIPE, SECRET);
    // Unsigned junk does not use up the connection's budget (else anyone could starve it).
    for (let i = 0; i < 10; i++) {
      const d = sys.sender(noisy, STRIPE, 'whsec_wrong').build(event());
      const res = await postRaw(`${sys.api.url}/webhooks/${noisy}`, { headers: { ...d.headers }, body: d.rawBody });
      expect(res.status).toBe(401);
    }
    const answers = [];
    for (let i = 0; i < 6; i++) {
      const d = sender.build(event());
      answers.push(await postRaw(`${sys.api.url}/webhooks/${noisy}`, { headers: { ...d.headers }, body: d.rawBody }));
    }
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202]);
    expect(statuses.slice(3)).toContain(429);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.json).toEqual({ error: 'rate_limited' });
    expect(limited.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(await eventCount(sys.rt.db, noisy)).toBeLessThanOrEqual(statuses.filter((s) => s === 202).length);
    expect((await sys.sender(quiet, STRIPE, SECRET).deliver(event())).status).toBe(202);
  });
});
