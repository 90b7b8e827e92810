// Values cut to Temporal's limits stay within their byte bound and never split a character.
import { describe, expect, it } from 'vitest';
import { truncateUtf8 } from '../../src/temporal/limits';
import { boundedEventId } from '../../src/ingest/eventIdentity';

describe('truncateUtf8', () => {
  it('keeps short text and cuts long text on a character boundary with an ellipsis', () => {
    expect(truncateUtf8('short', 10)).toBe('short');
    const cut = truncateUtf8('é'.repeat(100), 11);
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(11);
    expect(cut).toBe('éééé…');
    expect(truncateUtf8('😀'.repeat(10), 9)).toBe('😀…');
  });
});

describe('boundedEventId', () => {
  it('keeps ids up to 255 bytes and hashes longer ones the same way every time', () => {
    expect(boundedEventId('x'.repeat(255))).toBe('x'.repeat(255));
    const long = boundedEventId('x'.repeat(256));
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(boundedEventId('x'.repeat(256))).toBe(long);
  });
});
