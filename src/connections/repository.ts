// Connections in PostgreSQL, secrets sealed with SecretBox. Reads go through a
// small TTL cache so the webhook hot path does not hit the database or decrypt
// on every delivery; thousands of connections cost one row each and are only
// loaded when they receive traffic. Writes invalidate the local cache; other
// processes see a change within CONNECTION_CACHE_TTL_MS. An id that is not in
// the connection-id format is unknown without a lookup (and is not cached).
import { getConnector } from '../connectors/connectorRegistry';
import { parseReconcileSettings } from './reconcileSettings';
import {
  endpointProblem,
  NOTIFICATION_SECRET_CREDENTIAL,
  notificationSettingsSchema,
  secretProblem,
} from './notificationSettings';
import type { ResolvedConnection } from '../connectors/types';
import type { SecretBox } from '../crypto/secretBox';
import type { Db } from '../db/prisma';
import { CONNECTION_CACHE_MAX_BYTES, CONNECTION_CACHE_MAX_ENTRIES, ConnectionCache } from './connectionCache';
import { type ConnectionInput, type StoredSecrets, connectionInputSchema, isConnectionId } from './input';
import { describeUnknownKeys, unknownSettingsKeys } from './settingsKeys';
import { ConnectionStoreUnavailableError } from '../errors/storeErrors';
import { InvalidConnectionError, UnknownConnectionError } from '../errors/connectionErrors';
import { createConnectionRow, findConnectionRow, updateConnectionRow } from '../store/connectionRows';

export class ConnectionRepository {
  private readonly cache: ConnectionCache;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    maxEntries = CONNECTION_CACHE_MAX_ENTRIES,
    /** Production refuses plain-http product endpoints. */
    private readonly production = false,
  ) {
    this.cache = new ConnectionCache(CONNECTION_CACHE_MAX_BYTES, maxEntries);
  }

  /** Resolved connection or null when it does not exist. Disabled connections are returned (callers decide). */
  async find(id: string): Promise<ResolvedConnection | null> {
    if (!isConnectionId(id)) return null;
    const readAt = this.now();
    const hit = this.cache.get(id, readAt);
    if (hit) return hit.value;
    const row = await findConnectionRow(this.db, id).catch((err: Error) => {
      throw new ConnectionStoreUnavailableError(`could not read connection "${id}": ${err.message}`, { cause: err });
    });
    const value = row ? this.resolve(row) : null;
    // The TTL counts from when the read began, not when it answered: a slow read that began before a
    // change (a secret rotation) must not keep serving the old row for a whole TTL after it finally answers.
    // So a value served at time t always comes from a read begun after t - TTL.
    this.cache.set(id, { value, expiresAt: readAt + this.ttlMs });
    return value;
  }

  async get(id: string): Promise<ResolvedConnection> {
    const c = await this.find(id);
    if (!c)
      throw new UnknownConnectionError(isConnectionId(id) ? `unknown connection "${id}"` : 'malformed connection id');
    return c;
  }

  /** Creates or updates; returns whether anything changed. Idempotent for the same input. */
  async upsert(raw: unknown): Promise<'created' | 'updated' | 'unchanged'> {
    const input = connectionInputSchema.parse(raw);
    this.validateSettings(input);
    const existing = await findConnectionRow(this.db, input.id);
    const secrets: StoredSecrets = { signingSecrets: input.signingSecrets, credentials: input.credentials };
    const fields = {
      connector: input.connector,
      displayName: input.displayName ?? input.id,
      enabled: input.enabled,
      apiBaseUrl: input.apiBaseUrl,
      settings: input.settings as object,
    };
    if (existing) {
      const sameSecrets =
        this.box.open(existing.secretsEnc) === JSON.stringify(secrets) && !this.box.isStale(existing.secretsEnc);
      const same =
        sameSecrets &&
        JSON.stringify(existing.settings) === JSON.stringify(fields.settings) &&
        existing.connector === fields.connector &&
        existing.displayName === fields.displayName &&
        existing.enabled === fields.enabled &&
        existing.apiBaseUrl === fields.apiBaseUrl;
      if (same) return 'unchanged';
      await updateConnectionRow(this.db, input.id, { ...fields, secretsEnc: this.box.seal(JSON.stringify(secrets)) });
      this.cache.delete(input.id);
      return 'updated';
    }
    await createConnectionRow(this.db, { id: input.id, ...fields, secretsEnc: this.box.seal(JSON.stringify(secrets)) });
    this.cache.delete(input.id);
    return 'created';
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    await updateConnectionRow(this.db, id, { enabled });
    this.cache.delete(id);
  }

  async setSigningSecrets(id: string, change: (current: string[]) => string[]): Promise<string[]> {
    const row = await findConnectionRow(this.db, id);
    if (!row) throw new UnknownConnectionError(`unknown connection "${id}"`);
    const secrets = JSON.parse(this.box.open(row.secretsEnc)) as StoredSecrets;
    secrets.signingSecrets = change(secrets.signingSecrets);
    await updateConnectionRow(this.db, id, { secretsEnc: this.box.seal(JSON.stringify(secrets)) });
    this.cache.delete(id);
    return secrets.signingSecrets;
  }

  /** How many connections (and misses) the cache holds now. */
  get cachedEntries(): number {
    return this.cache.size;
  }

  /** What the cache holds, estimated in bytes (bounded: connectionCache.ts). */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  invalidate(id?: string): void {
    if (id) this.cache.delete(id);
    else this.cache.clear();
  }

  private validateSettings(input: ConnectionInput): void {
    const connector = getConnector(input.connector);
    const result = connector.settingsSchema.safeParse(input.settings);
    if (!result.success) {
      const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new InvalidConnectionError(
        `connection ${input.id}: invalid settings for connector ${input.connector}: ${problems}`,
      );
    }
    const unknown = unknownSettingsKeys(connector.settingsSchema, input.settings);
    if (unknown.length > 0)
      throw new InvalidConnectionError(
        `connection ${input.id}: unknown settings for connector ${input.connector}: ${describeUnknownKeys(unknown)}`,
      );
    // Reconciliation settings are checked here too, so a bad one fails when saved, not at the first scheduled run.
    try {
      parseReconcileSettings(input.settings, connector.signature(result.data) === null);
    } catch (err) {
      throw new InvalidConnectionError(`connection ${input.id}: ${(err as Error).message}`);
    }
    this.validateNotifications(input);
  }

  /** A connection's own product endpoint and secret are checked when saved (the global ones at delivery). */
  private validateNotifications(input: ConnectionInput): void {
    const parsed = notificationSettingsSchema.safeParse(input.settings.notifications);
    if (!parsed.success)
      throw new InvalidConnectionError(
        `connection ${input.id}: invalid settings.notifications: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const url = parsed.data.url;
    const problem = url === undefined ? undefined : endpointProblem(url, this.production);
    const secret = input.credentials[NOTIFICATION_SECRET_CREDENTIAL];
    const secretIssue = secret === undefined ? undefined : secretProblem(secret);
    if (problem ?? secretIssue)
      throw new InvalidConnectionError(
        `connection ${input.id}: ${problem ? `settings.notifications.url ${problem}` : `credentials.${NOTIFICATION_SECRET_CREDENTIAL} ${secretIssue}`}`,
      );
  }

  private resolve(row: {
    id: string;
    connector: string;
    enabled: boolean;
    apiBaseUrl: string | null;
    secretsEnc: string;
    settings: unknown;
  }): ResolvedConnection {
    const secrets = JSON.parse(this.box.open(row.secretsEnc)) as StoredSecrets;
    const settings = getConnector(row.connector).settingsSchema.parse(row.settings);
    return {
      id: row.id,
      connector: row.connector,
      enabled: row.enabled,
      apiBaseUrl: row.apiBaseUrl,
      signingSecrets: secrets.signingSecrets,
      credentials: secrets.credentials,
      settings,
    };
  }
}
