// Where one connection's notifications go and what signs them: the global
// PRODUCT_WEBHOOK_URL / PRODUCT_WEBHOOK_SECRET, or the connection's own
// `settings.notifications.url` / `credentials.notificationSecret`.
// Rules (checked when a connection is saved and again before every delivery):
// http or https only, https only in production, no credentials in the URL.
// The POST never follows a redirect (delivery.ts): like partner fetches
// (src/connectors/sameOriginRedirects.ts), the target cannot be steered
// elsewhere by what it answers.
import {
  endpointProblem,
  NOTIFICATION_SECRET_CREDENTIAL,
  parseNotificationSettings,
  secretProblem,
} from '../connections/notificationSettings';
import { InvalidConnectionError } from '../errors/connectionErrors';

export interface NotifyGlobals {
  url?: string;
  secret?: string;
  production: boolean;
}

export { endpointProblem, secretProblem };

export interface ProductEndpoint {
  url: string;
  secret: string;
}

/**
 * The endpoint of a connection, or null when it is not notified (disabled, or
 * no URL anywhere). Throws InvalidConnectionError when configured but unusable.
 */
export function resolveEndpoint(
  conn: { id: string; credentials: Record<string, string>; rawSettings: unknown },
  globals: NotifyGlobals,
): ProductEndpoint | null {
  const settings = parseNotificationSettings(conn.rawSettings);
  const url = settings.url ?? globals.url;
  if (!settings.enabled || url === undefined) return null;
  const secret = conn.credentials[NOTIFICATION_SECRET_CREDENTIAL] ?? globals.secret;
  const problem =
    endpointProblem(url, globals.production) ??
    (secret === undefined ? 'no signing secret (PRODUCT_WEBHOOK_SECRET)' : secretProblem(secret));
  if (problem !== undefined)
    throw new InvalidConnectionError(`connection ${conn.id}: notification endpoint: ${problem}`);
  return { url, secret: secret! };
}
