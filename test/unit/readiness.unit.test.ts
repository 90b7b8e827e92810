// /readyz is cheap however often it is asked (issue 16 §2.1): one evaluation of the checks serves
// every probe for READINESS_CACHE_MS after it settles, and probes arriving while it runs wait for it.
// A clock of the test's own: nothing here depends on how fast the machine is.
import { describe, expect, it } from 'vitest';
import { cachedReadiness } from '../../src/system/readiness';

function counted() {
  let calls = 0;
  let release: (() => void) | undefined;
  let fail = false;
  const check = () => {
    calls += 1;
    return new Promise<void>((resolve, reject) => {
      release = () => (fail ? reject(new Error('database: down')) : resolve());
    });
  };
  return {
    check,
    calls: () => calls,
    settle: () => release!(),
    failNext: () => (fail = true),
  };
}

describe('cached readiness', () => {
  it('runs the checks once for 1,000 concurrent probes, and again only after the cache time', async () => {
    let now = 0;
    const c = counted();
    const ready = cachedReadiness(c.check, 1_000, () => now);
    const probes = Array.from({ length: 1_000 }, () => ready());
    expect(c.calls()).toBe(1);
    c.settle();
    await Promise.all(probes);

    now = 999;
    await ready();
    expect(c.calls()).toBe(1);
    now = 1_000;
    const next = ready();
    expect(c.calls()).toBe(2);
    c.settle();
    await next;
  });

  it('caches an unready answer for the same time, so a flood during an outage costs one round too', async () => {
    let now = 0;
    const c = counted();
    const ready = cachedReadiness(c.check, 1_000, () => now);
    c.failNext();
    const first = ready();
    c.settle();
    await expect(first).rejects.toThrow(/database: down/);
    now = 500;
    await expect(ready()).rejects.toThrow(/database: down/);
    expect(c.calls()).toBe(1);
  });
});
