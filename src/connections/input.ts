// The documented shape of a connection in the seed file and the ops CLI.
// Secrets arrive here in plain text and are encrypted before they are stored.
import { z } from 'zod';

/** Every connection id: 1-64 of [a-zA-Z0-9_-], starting alphanumeric. Anything else is not looked up. */
export const CONNECTION_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;

export const isConnectionId = (id: string): boolean => CONNECTION_ID_PATTERN.test(id);

export const connectionInputSchema = z.object({
  id: z.string().regex(CONNECTION_ID_PATTERN, 'id: 1-64 of [a-zA-Z0-9_-], starting alphanumeric'),
  connector: z.string().min(1),
  displayName: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
  apiBaseUrl: z.string().url().nullable().default(null),
  /** Every active signing secret; several at once during rotation. */
  signingSecrets: z.array(z.string().min(1)).default([]),
  credentials: z.record(z.string(), z.string()).default({}),
  settings: z.record(z.string(), z.unknown()).default({}),
});

export type ConnectionInput = z.infer<typeof connectionInputSchema>;

export const seedFileSchema = z.object({ connections: z.array(connectionInputSchema) });

export interface StoredSecrets {
  signingSecrets: string[];
  credentials: Record<string, string>;
}
