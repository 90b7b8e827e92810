// The edge where partner versions and ids enter syncline: versions are range-checked, ids cannot be dot segments.
import { describe, expect, it } from 'vitest';
import { fillTemplate, toVersion } from '../../src/connectors/jsonPath';
import { MalformedDeliveryError } from '../../src/errors/ingestErrors';

describe('toVersion', () => {
  it('reads non-negative integers up to 2^53-1, numeric strings and ISO timestamps', () => {
    expect([0, 42, '42', Number.MAX_SAFE_INTEGER, '2026-01-01T00:00:00Z'].map((v) => toVersion(v))).toEqual([
      0,
      42,
      42,
      Number.MAX_SAFE_INTEGER,
      Date.parse('2026-01-01T00:00:00Z'),
    ]);
    expect([undefined, null, '', 'soon', true].map((v) => toVersion(v))).toEqual([null, null, null, null, null]);
  });

  it('refuses versions that would lose precision, overflow BIGINT, print as exponents or go negative', () => {
    for (const v of [2 ** 53, 9.3e18, 1e21, '1e21', '99999999999999999999', -1, '-5', 1.5, '1969-12-31T00:00:00Z'])
      expect(() => toVersion(v), String(v)).toThrow(MalformedDeliveryError);
  });
});

describe('fillTemplate', () => {
  const encodeAll = () => true;

  it('encodes ids and keeps dots inside them', () => {
    expect(fillTemplate('/o/{id}', { id: 'a..b/c' }, encodeAll)).toBe('/o/a..b%2Fc');
  });

  it('refuses an encoded value that is a dot segment', () => {
    for (const id of ['.', '..']) expect(() => fillTemplate('/o/{id}', { id }, encodeAll)).toThrow(/dot segment/);
    expect(fillTemplate('{base}/o', { base: 'http://x/..' }, (k) => k !== 'base')).toBe('http://x/../o');
  });
});
