// Notification settings of a connection: `settings.notifications` in the
// connection's JSON, the same for every connector (connector settings schemas
// only see their own keys). The product endpoint is PRODUCT_WEBHOOK_URL unless
// a connection names its own; its signing secret is PRODUCT_WEBHOOK_SECRET
// unless the connection's credentials carry `notificationSecret` (stored
// encrypted like every credential).
import { z } from 'zod';

export const NOTIFICATION_SECRET_CREDENTIAL = 'notificationSecret';

export const notificationSettingsSchema = z
  .object({
    /** false: this connection's changes are never notified (the feed still has them). */
    enabled: z.boolean().default(true),
    /** This connection's product endpoint, instead of PRODUCT_WEBHOOK_URL. */
    url: z.string().url().optional(),
  })
  .prefault({});

export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;

/** The notifications section of a connection's raw settings JSON. Throws ZodError when malformed. */
export function parseNotificationSettings(rawSettings: unknown): NotificationSettings {
  const raw = (rawSettings ?? {}) as Record<string, unknown>;
  return notificationSettingsSchema.parse(raw.notifications);
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Why `url` cannot be a product endpoint (http(s) only, https only in production, no credentials in it), or undefined when it can. */
export function endpointProblem(url: string, production: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must be http(s)';
  if (production && u.protocol !== 'https:') return 'must be https in production';
  if (u.username !== '' || u.password !== '') return 'must not carry credentials';
  return undefined;
}

/** Why `secret` cannot sign Standard Webhooks, or undefined when it can. */
export function secretProblem(secret: string): string | undefined {
  const key = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  if (key === '' || !BASE64.test(key)) return `must be ${SECRET_PREFIX}<base64 key>`;
  if (Buffer.from(key, 'base64').length < 24) return 'key must be at least 24 bytes';
  return undefined;
}
