// Settings pieces that every code connector (github, shopify, ...) accepts the same way as `rest`.
import { z } from 'zod';

/** Overrides of the partner-call retry schedule (see DEFAULT_PARTNER_RETRY); absent keys keep the default. */
export const retryOverridesSchema = z
  .object({
    initialIntervalMs: z.number().int().positive(),
    backoffCoefficient: z.number().min(1),
    maximumIntervalMs: z.number().int().positive(),
    maximumAttempts: z.number().int().positive(),
    scheduleMs: z.array(z.number().int().positive()).min(1),
  })
  .partial()
  .optional();

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** A header value as Node delivers it (repeated headers arrive as arrays: the first one counts). */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
}
