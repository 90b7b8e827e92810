// What syncline sends to Temporal fits Temporal's limits (server 1.29.1 defaults),
// whatever the partner put in an event: a value over a limit makes the start
// fail with InvalidArgument, every time. Temporal measures the payload: the
// value JSON-encoded (where a quote takes 2 bytes and a control character 6),
// plus its metadata, plus, for payloads the codec encrypts, the encryption's
// own bytes. Bounds are on the JSON-encoded UTF-8 bytes, cut on a character
// boundary, with a marker that the value was cut.
/** Room for a payload's quotes and metadata (`encoding: json/plain`) and its framing. */
const PAYLOAD_OVERHEAD_BYTES = 96;
/**
 * What the payload codec adds (src/crypto/payloadCodec.ts): IV and tag (28 bytes), the plain
 * payload's framing inside the ciphertext, and the encrypted payload's metadata (its encoding and
 * key id). Measured 92 bytes with syncline's key ids; summaries and details are encrypted, search
 * attributes are not (Temporal indexes them).
 */
const CODEC_OVERHEAD_BYTES = 112;
/** limit.userMetadataSummarySize (400), on the encrypted payload. */
export const SUMMARY_MAX_BYTES = 400 - PAYLOAD_OVERHEAD_BYTES - CODEC_OVERHEAD_BYTES;
/** limit.userMetadataDetailsSize is 20 KB; details are for humans, so far less is enough. */
export const DETAILS_MAX_BYTES = 4 * 1024;
/** frontend.searchAttributesSizeOfValueLimit (2 KiB) */
export const SEARCH_ATTRIBUTE_VALUE_MAX_BYTES = 2 * 1024 - PAYLOAD_OVERHEAD_BYTES;

const ELLIPSIS = '…';

/** Bytes `text` takes inside a JSON string: escapes count as what they become. */
export function jsonUtf8Bytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** `text` cut so that, JSON-encoded, it takes at most `maxBytes` of UTF-8, ending in an ellipsis when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (jsonUtf8Bytes(text) <= maxBytes) return text;
  const budget = maxBytes - jsonUtf8Bytes(ELLIPSIS);
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = jsonUtf8Bytes(ch);
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return out + ELLIPSIS;
}
