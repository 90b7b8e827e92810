// The rest connector's answers about partner calls, from validated settings:
// what the receiver puts in the workflow input and reconciliation uses.
import { describe, expect, it } from 'vitest';
import { getConnector } from '../../src/connectors/connectorRegistry';
import { DEFAULT_PARTNER_RETRY } from '../../src/contracts/processEventContract';

const rest = getConnector('rest');
const settings = (raw: unknown) => rest.settingsSchema.parse(raw);

describe('rest connector: partner calls', () => {
  it('retries on the default schedule and times a call out after 10 s when the settings say nothing', () => {
    const s = settings({ signature: { scheme: 'stripe' } });
    expect(rest.retrySettings(s)).toEqual(DEFAULT_PARTNER_RETRY);
    expect(rest.httpTimeoutMs(s)).toBe(10_000);
  });

  it('takes the parts of the schedule and the timeout the settings override, and defaults for the rest', () => {
    const s = settings({ retry: { scheduleMs: [100, 200], maximumAttempts: 3 }, fetch: { timeoutMs: 2_500 } });
    expect(rest.retrySettings(s)).toEqual({ ...DEFAULT_PARTNER_RETRY, scheduleMs: [100, 200], maximumAttempts: 3 });
    expect(rest.httpTimeoutMs(s)).toBe(2_500);
  });
});
