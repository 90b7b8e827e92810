// Unknown settings keys: one valid rest connection's settings, and each test
// adds exactly one key nothing reads.
import { describe, expect, it } from 'vitest';
import { describeUnknownKeys, unknownSettingsKeys } from '../../src/connections/settingsKeys';
import { getConnector } from '../../src/connectors/connectorRegistry';

const schema = getConnector('rest').settingsSchema;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reaches into a different section
function valid(): Record<string, any> {
  return {
    signature: { scheme: 'stripe' },
    delivery: { eventIdPath: 'id', objectIdPath: 'data.object.id' },
    fetch: {
      urlTemplate: '{baseUrl}/v1/{objectType}s/{objectId}',
      headers: { authorization: 'Bearer {credentials.apiKey}', 'x-any-header-name': 'v' },
      timeoutMs: 5_000,
    },
    trustPayload: false,
    changes: { style: 'cursor', item: { idPath: 'id' }, ids: { style: 'page' } },
    retry: { scheduleMs: [1_000, 5_000], maximumAttempts: 3 },
    reconcile: { pageSize: 100, requestsPerSecond: 5, fullDiff: { maxDeleteShare: 0.2 } },
  };
}

describe('unknownSettingsKeys', () => {
  it('finds nothing in settings that use only declared keys, header names included', () => {
    expect(unknownSettingsKeys(schema, valid())).toEqual([]);
  });

  it('reports a misspelt key inside fetch with the declared key it is nearest to', () => {
    const s = valid();
    s.fetch.urlTemplte = '{baseUrl}/objects/{objectId}';
    expect(unknownSettingsKeys(schema, s)).toEqual([{ path: 'fetch.urlTemplte', suggestion: 'urlTemplate' }]);
  });

  it('checks the reconcile section every connector shares, down to fullDiff', () => {
    const s = valid();
    s.reconcile.fullDiff.maxDeleteShar = 0.5;
    expect(unknownSettingsKeys(schema, s)).toEqual([
      { path: 'reconcile.fullDiff.maxDeleteShar', suggestion: 'maxDeleteShare' },
    ]);
  });

  it('checks the sections nested inside changes', () => {
    const s = valid();
    s.changes.item.versonPath = 'v';
    expect(unknownSettingsKeys(schema, s)).toEqual([{ path: 'changes.item.versonPath', suggestion: 'versionPath' }]);
  });

  it('reports a top-level key with no near declared key without a suggestion', () => {
    const s = valid();
    s.colour = 'blue';
    expect(unknownSettingsKeys(schema, s)).toEqual([{ path: 'colour', suggestion: undefined }]);
  });

  it('names each unknown key once in the message, with its suggestion', () => {
    const s = valid();
    s.fetch.timeoutMS = 1;
    s.reconcile.pageSzie = 10;
    expect(describeUnknownKeys(unknownSettingsKeys(schema, s))).toBe(
      '"fetch.timeoutMS" (did you mean "timeoutMs"?), "reconcile.pageSzie" (did you mean "pageSize"?)',
    );
  });
});
