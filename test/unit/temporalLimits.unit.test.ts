// Values cut to Temporal's limits stay within their byte bound and never split a character.
import crypto from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../src/crypto/payloadCodec';
import { SEARCH_ATTRIBUTE_VALUE_MAX_BYTES, SUMMARY_MAX_BYTES, truncateUtf8 } from '../../src/temporal/limits';
import { boundedEventId } from '../../src/ingest/eventIdentity';

describe('truncateUtf8', () => {
  it('keeps short text and cuts long text on a character boundary with an ellipsis', () => {
    expect(truncateUtf8('short', 10)).toBe('short');
    const cut = truncateUtf8('é'.repeat(100), 11);
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(11);
    expect(cut).toBe('éééé…');
    expect(truncateUtf8('😀'.repeat(10), 9)).toBe('😀…');
  });

  it('counts what JSON escaping makes of quotes and control characters', () => {
    const cut = truncateUtf8('\u0001'.repeat(100), 20);
    expect(cut).toBe('\u0001\u0001…');
    expect(Buffer.byteLength(JSON.stringify(cut), 'utf8') - 2).toBeLessThanOrEqual(20);
  });
});

/** Partner text chosen to grow most when encoded: multi-byte, emoji, quotes, backslashes, control characters. */
const HOSTILE = ['é', '😀', '"', '\\', '\u0001', '\n', 'x'].flatMap((c) => Array<string>(500).fill(c)).join('');
const protoBytes = (p: temporal.api.common.v1.IPayload) => temporal.api.common.v1.Payload.encode(p).finish().length;

describe('what the starter sends fits the server limits as Temporal measures them', () => {
  it('a summary cut to its bound is at most 400 bytes once JSON-encoded and encrypted (limit.userMetadataSummarySize)', async () => {
    const codec = new EncryptionCodec(crypto.randomBytes(32));
    for (const text of [HOSTILE, HOSTILE.slice(3000), 'é'.repeat(3000), '\u0001'.repeat(3000)]) {
      const payload = defaultPayloadConverter.toPayload(truncateUtf8(text, SUMMARY_MAX_BYTES))!;
      const [encrypted] = await codec.encode([payload]);
      expect(protoBytes(encrypted!)).toBeLessThanOrEqual(400);
    }
  });

  it('a search-attribute value cut to its bound is at most 2 KiB once JSON-encoded (searchAttributesSizeOfValueLimit)', () => {
    for (const text of [HOSTILE, '"'.repeat(5000), '\u0001'.repeat(5000)]) {
      const payload = defaultPayloadConverter.toPayload(truncateUtf8(text, SEARCH_ATTRIBUTE_VALUE_MAX_BYTES))!;
      expect(payload.data!.length).toBeLessThanOrEqual(2 * 1024);
    }
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
