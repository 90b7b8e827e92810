// The change feed's cursor: an opaque string to its readers, a feed position
// (feed_xid, feed_seq) inside. Pure (no I/O): the API, the CLI and workflows may
// all import it. Format: "c1." + base64url("<feed_xid>.<feed_seq>"); the "c1."
// prefix versions it. A reader must not build or compare cursors, only hand
// back one it was given (or none, for the start of the feed).

/** A position in the feed: entries after it sort by (xid, seq). */
export interface FeedPosition {
  xid: bigint;
  seq: bigint;
}

/** The position before every entry (entries have feed_seq >= 1): reading after it starts at the beginning. */
export const FEED_START: FeedPosition = { xid: 0n, seq: 0n };

const PREFIX = 'c1.';
const DIGITS = /^(0|[1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,18})$/;

export function encodeCursor(p: FeedPosition): string {
  return PREFIX + Buffer.from(`${p.xid}.${p.seq}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or null when the string is not a cursor we issued. */
export function decodeCursor(cursor: string): FeedPosition | null {
  if (!cursor.startsWith(PREFIX)) return null;
  const body = cursor.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(body)) return null;
  const m = DIGITS.exec(Buffer.from(body, 'base64url').toString('utf8'));
  if (!m) return null;
  return { xid: BigInt(m[1]!), seq: BigInt(m[2]!) };
}
