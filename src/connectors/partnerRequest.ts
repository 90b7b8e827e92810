// Maps a partner HTTP answer onto syncline's failure classes: 404 is a
// tombstone (handled by the caller), other 4xx except 408/429 are permanent,
// 5xx/408/429 and network failures are transient and carry Retry-After.
// Redirects are followed only within the request's origin (sameOriginRedirects.ts);
// one to another origin is a permanent error, its credentials never sent there.
import { PartnerPermanentError, PartnerTransientError } from '../errors/partnerErrors';
import { sameOriginRedirects } from './sameOriginRedirects';

export const PARTNER_TIMEOUT_MS = 10_000;

export async function partnerRequest(
  http: typeof fetch,
  url: string,
  init: { headers: Record<string, string>; timeoutMs?: number },
): Promise<Response> {
  let res: Response;
  try {
    res = await sameOriginRedirects(http)(url, {
      headers: init.headers,
      signal: AbortSignal.timeout(init.timeoutMs ?? PARTNER_TIMEOUT_MS),
    });
  } catch (err) {
    throw new PartnerTransientError(null, `partner request failed: ${(err as Error).message}`);
  }
  if (res.ok || res.status === 404) return res;
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
  await res.body?.cancel();
  if (res.status >= 500 || res.status === 408 || res.status === 429) {
    throw new PartnerTransientError(res.status, `partner answered ${res.status}`, retryAfterMs);
  }
  if (res.status >= 300 && res.status < 400)
    throw new PartnerPermanentError(res.status, `partner answered ${res.status} to another origin; not followed`);
  throw new PartnerPermanentError(res.status, `partner answered ${res.status}`);
}

/**
 * Retry-After is either delta-seconds or an HTTP date. Partners also send
 * fractional seconds ("1.5", Shopify's "2.0"), which Date.parse would read as a
 * date in 2001, i.e. "retry now". Returns undefined for junk or past dates.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
