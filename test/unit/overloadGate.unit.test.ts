// The overload gate's answers past the admission limit (src/ingest/overloadGate.ts), with a
// scripted starter and inbox: the real stack is covered by overloadShed, overflowInbox and
// overflowOutage integration tests.
import { describe, expect, it } from 'vitest';
import type { ProcessEventInput } from '../../src/contracts/processEventContract';
import { OverloadedError, TemporalUnavailableError } from '../../src/errors/ingestErrors';
import { AdmissionLimiter, isRefusal } from '../../src/ingest/admission';
import { OverloadGate, type OverloadMode, type Starter } from '../../src/ingest/overloadGate';
import type { StartOutcome } from '../../src/ingest/starter';
import type { InboxEntry } from '../../src/store/webhookInbox';

const input = { connectionId: 'c1', eventId: 'e1' } as ProcessEventInput;

function gate(
  mode: OverloadMode,
  start: () => Promise<StartOutcome>,
  enqueue?: (e: InboxEntry) => Promise<boolean>,
  backlog?: () => boolean,
) {
  const limiter = new AdmissionLimiter({ initialLimit: 1, minLimit: 1, maxLimit: 1, ackDeadlineMs: 4_000 }, () => 0);
  const counted = { shed: 0, overflowed: [] as string[], started: 0 };
  const starter: Starter = {
    start: () => {
      counted.started++;
      return start();
    },
  };
  const g = new OverloadGate({
    mode,
    starter,
    limiter,
    enqueue,
    backlog,
    taskQueue: 'q',
    counters: { shed: () => counted.shed++, overflowed: (r) => counted.overflowed.push(r) },
    maxRetryAfterSec: 30,
    nowMs: () => 0,
  });
  const hold = () => {
    const p = limiter.tryAcquire();
    if (isRefusal(p)) throw new Error('refused');
    return p;
  };
  return { g, limiter, counted, hold };
}

describe('overload gate', () => {
  it('starts directly while a permit is free, and gives the permit back', async () => {
    const { g, limiter, counted } = gate('shed', async () => 'created');
    expect(await g.start('w1', input)).toBe('created');
    expect(counted.started).toBe(1);
    expect(limiter.inFlight).toBe(0);
  });

  it('sheds past the limit with a Retry-After, without calling the starter', async () => {
    const { g, counted, hold } = gate('shed', async () => 'created');
    hold();
    const err = await g.start('w1', input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OverloadedError);
    expect((err as OverloadedError).retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(counted).toMatchObject({ shed: 1, started: 0 });
  });

  it('queues past the limit in overflow mode, and tells a second delivery of a waiting event apart', async () => {
    const rows = new Map<string, InboxEntry>();
    const enqueue = async (e: InboxEntry) => !rows.has(e.eventId) && rows.set(e.eventId, e) !== undefined;
    const { g, counted, hold } = gate('overflow', async () => 'created', enqueue);
    hold();
    expect(await g.start('w1', input)).toBe('queued');
    expect(await g.start('w1', input)).toBe('queued-duplicate');
    expect(counted).toMatchObject({ started: 0, overflowed: ['limit'] });
    const row = rows.get('e1')!;
    expect({ ...row, receivedAtMs: 0 }).toEqual({
      connectionId: 'c1',
      eventId: 'e1',
      workflowId: 'w1',
      taskQueue: 'q',
      input: JSON.stringify(input),
      receivedAtMs: 0,
    });
  });

  it('queues a start Temporal did not take in overflow mode, and answers 503 when the inbox fails too', async () => {
    const down = async (): Promise<StartOutcome> => {
      throw new TemporalUnavailableError('down');
    };
    const ok = gate('overflow', down, async () => true);
    expect(await ok.g.start('w1', input)).toBe('queued');
    expect(ok.counted.overflowed).toEqual(['unavailable']);
    const broken = gate('overflow', down, async () => {
      throw new Error('database down');
    });
    await expect(broken.g.start('w1', input)).rejects.toBeInstanceOf(TemporalUnavailableError);
  });

  it('passes every start through in mode none, limit or not', async () => {
    const { g, counted, hold } = gate('none', async () => 'attached');
    hold();
    expect(await g.start('w1', input)).toBe('attached');
    expect(counted.started).toBe(1);
  });

  it('queues every delivery behind a backlog in overflow mode, though a permit is free, and starts directly again once it drained', async () => {
    let waiting = true;
    const { g, limiter, counted } = gate(
      'overflow',
      async () => 'created',
      async () => true,
      () => waiting,
    );
    expect(limiter.available).toBe(1);
    expect(await g.start('w1', input)).toBe('queued');
    expect(counted).toMatchObject({ started: 0, overflowed: ['backlog'] });
    expect(limiter.inFlight).toBe(0);
    waiting = false;
    expect(await g.start('w2', { ...input, eventId: 'e2' })).toBe('created');
    expect(counted.started).toBe(1);
  });

  it('ignores a backlog in mode shed (its deliveries never wait in the inbox)', async () => {
    const { g, counted } = gate(
      'shed',
      async () => 'created',
      undefined,
      () => true,
    );
    expect(await g.start('w1', input)).toBe('created');
    expect(counted.started).toBe(1);
  });

  it('lets copies of one event that arrive together wait for its start: one created, the rest duplicates', async () => {
    let release!: () => void;
    const started = new Promise<void>((r) => (release = r));
    // Limit 1: without the wait, the copies refused by the limit would go to the inbox and one would be 'queued'.
    const { g, counted } = gate(
      'overflow',
      async () => {
        await started;
        return 'created';
      },
      async () => true,
    );
    const copies = Array.from({ length: 20 }, () => g.start('w1', input));
    release();
    const outcomes = await Promise.all(copies);
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'attached')).toHaveLength(19);
    expect(counted).toMatchObject({ started: 1, overflowed: [] });
  });

  it('lets a waiting copy try on its own when the first start failed', async () => {
    let calls = 0;
    const { g } = gate('shed', async () => {
      calls++;
      if (calls === 1) throw new Error('refused as invalid');
      return 'created';
    });
    const [a, b] = await Promise.allSettled([g.start('w1', input), g.start('w1', input)]);
    expect(a.status).toBe('rejected');
    expect(b).toEqual({ status: 'fulfilled', value: 'created' });
  });
});
