// What syncline sends to Temporal fits Temporal's limits (server 1.29.1 defaults),
// whatever the partner put in an event: a value over a limit makes the start
// fail with InvalidArgument, every time. Bounds are in UTF-8 bytes and cut on
// a character boundary, with a marker that the value was cut.
/**
 * Temporal measures a payload (the JSON-encoded value plus its metadata), not the
 * string, so each bound keeps this much room for the quotes, escapes and metadata.
 */
const PAYLOAD_OVERHEAD_BYTES = 96;
/** limit.userMetadataSummarySize (400) */
export const SUMMARY_MAX_BYTES = 400 - PAYLOAD_OVERHEAD_BYTES;
/** limit.userMetadataDetailsSize is 20 KB; details are for humans, so far less is enough. */
export const DETAILS_MAX_BYTES = 4 * 1024;
/** frontend.searchAttributesSizeOfValueLimit (2 KiB) */
export const SEARCH_ATTRIBUTE_VALUE_MAX_BYTES = 2 * 1024 - PAYLOAD_OVERHEAD_BYTES;

const ELLIPSIS = '…';

/** `text` cut to at most `maxBytes` of UTF-8, ending in an ellipsis when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8');
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return out + ELLIPSIS;
}
