import { SignatureError } from '../errors/ingestErrors';
// Replay window for schemes that sign a timestamp. The window is symmetric: a
// timestamp too far in the future is as suspect as one too far in the past.

export const DEFAULT_TOLERANCE_SEC = 300;

const UNIX_SECONDS = /^\d{1,15}$/;

/** Unix seconds as plain decimal digits; anything else is malformed_signature. */
export function parseUnixSeconds(value: string): number {
  if (!UNIX_SECONDS.test(value)) throw new SignatureError('malformed_signature');
  return Number(value);
}

export function assertFresh(timestampSec: number, nowSec: number, toleranceSec = DEFAULT_TOLERANCE_SEC): void {
  if (Math.abs(nowSec - timestampSec) > toleranceSec) throw new SignatureError('stale_timestamp');
}
