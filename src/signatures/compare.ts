// Constant-time comparison of digests. crypto.timingSafeEqual throws on unequal
// lengths, so lengths are checked first; a length leak is harmless because every
// digest of one algorithm has the same public length.

import crypto from 'node:crypto';

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * True when any provided digest equals the digest computed under any key. Every
 * pair is compared, so the timing does not reveal which secret or entry matched.
 */
export function anyDigestMatches(
  keys: readonly Buffer[],
  provided: readonly Buffer[],
  digestFor: (key: Buffer) => Buffer,
): boolean {
  let matched = false;
  for (const key of keys) {
    const expected = digestFor(key);
    for (const candidate of provided) {
      matched = constantTimeEqual(candidate, expected) || matched;
    }
  }
  return matched;
}
