// `settings.retry`: a connection's overrides of the partner-call retry schedule
// (DEFAULT_PARTNER_RETRY fills what they leave out). Shared by connectors.
import { z } from 'zod';
import { DEFAULT_PARTNER_RETRY, type RetrySettings } from '../contracts/processEventContract';

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

export const withRetryOverrides = (overrides: z.infer<typeof retryOverridesSchema>): RetrySettings => ({
  ...DEFAULT_PARTNER_RETRY,
  ...overrides,
});
