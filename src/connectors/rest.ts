// Generic REST connector: configured entirely by connection settings (paths into
// the event body, a URL template and header templates for the fetch API), so a
// partner with a conventional JSON API needs no code at all.
import { z } from 'zod';
import { parseSignatureConfig } from '../signatures';
import { systemPartnerClock } from './observedVersion';
import { partnerRequest } from './partnerRequest';
import { headerValue, retryOverridesSchema } from './connectorSettings';
import { DEFAULT_PARTNER_RETRY } from '../contracts/processEventContract';
import { changesSettingsSchema, createRestLister } from './restChanges';
import { fillTemplate, getPath, toVersion } from './jsonPath';
import type { Connector, DeliveryInfo, Json, ObjectState, RawDelivery } from './types';
import { MalformedDeliveryError } from '../errors/ingestErrors';

const settingsSchema = z.object({
  signature: z
    .unknown()
    .transform((v, ctx) => {
      try {
        return parseSignatureConfig(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .nullable()
    .default(null),
  delivery: z
    .object({
      eventIdPath: z.string().default('id'),
      eventTypePath: z.string().default('type'),
      objectTypePath: z.string().default('data.object.type'),
      objectIdPath: z.string().default('data.object.id'),
      objectVersionPath: z.string().default('data.object.version'),
      objectDeletedPath: z.string().default('data.object.deleted'),
      objectDataPath: z.string().default('data.object'),
      /** Event types that announce a delete: exact, or `*` as a wildcard. A bare 404 on any other event is retried as lag. */
      deleteEventTypes: z.array(z.string().min(1)).default(['*.deleted']),
    })
    .prefault({}),
  fetch: z
    .object({
      urlTemplate: z.string().default('{baseUrl}/api/objects/{objectType}/{objectId}'),
      headers: z.record(z.string(), z.string()).default({ authorization: 'Bearer {credentials.apiKey}' }),
      /** null: the partner has no version; answers are versioned by their fetch's start (observedVersion.ts). */
      versionPath: z.string().nullable().default('version'),
      dataPath: z.string().default('data'),
      deletedVersionPath: z.string().default('version'),
      /** Type -> URL segment put in place of `{objectType}` in urlTemplate ({"customer": "customers"}). */
      typeSegments: z.record(z.string(), z.string().min(1)).default({}),
      timeoutMs: z.number().int().positive().default(10_000),
    })
    .prefault({}),
  trustPayload: z.boolean().default(false),
  /** Change and id listing for reconciliation (see restChanges.ts); null = not supported. */
  changes: changesSettingsSchema.nullable().default(null),
  /** Overrides of the partner-call retry schedule (see DEFAULT_PARTNER_RETRY). */
  retry: retryOverridesSchema,
});

export type RestSettings = z.infer<typeof settingsSchema>;

/** `*` matches any run of characters; everything else literally. */
function globMatch(pattern: string, value: string): boolean {
  const re = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${re.join('.*')}$`).test(value);
}

/**
 * Where a delivery value comes from: `header:<name>` (a request header), `const:<value>` (the
 * same for every delivery: a connection whose objects are all tickets), or else a dotted path
 * into the JSON body. Old settings are paths, so they read as before.
 */
function readValue(d: RawDelivery, spec: string): Json | undefined {
  if (spec.startsWith('header:')) return headerValue(d.headers, spec.slice('header:'.length).trim().toLowerCase());
  if (spec.startsWith('const:')) return spec.slice('const:'.length);
  return getPath(d.body, spec);
}

function requireString(value: Json | undefined, what: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  throw new MalformedDeliveryError(`delivery has no ${what}`);
}

export const restConnector: Connector<RestSettings> = {
  name: 'rest',
  settingsSchema,
  signature: (s) => s.signature,
  readDelivery(d: RawDelivery, s: RestSettings): DeliveryInfo {
    const p = s.delivery;
    return {
      eventId: d.headerEventId ?? requireString(readValue(d, p.eventIdPath), 'event id'),
      eventType: requireString(readValue(d, p.eventTypePath), 'event type'),
      objectType: requireString(readValue(d, p.objectTypePath), 'object type'),
      objectId: requireString(readValue(d, p.objectIdPath), 'object id'),
      // A versionless partner's states are stamped in fetch-start microseconds: an event's own number is not comparable.
      objectVersion: s.fetch.versionPath === null ? null : toVersion(readValue(d, p.objectVersionPath)),
    };
  },
  isDeleteEvent: (eventType, s) => s.delivery.deleteEventTypes.some((p) => globMatch(p, eventType)),
  trustsPayload: (s) => s.trustPayload,
  retrySettings: (s) => ({ ...DEFAULT_PARTNER_RETRY, ...s.retry }),
  httpTimeoutMs: (s) => s.fetch.timeoutMs,
  stateFromPayload(d: RawDelivery, s: RestSettings): ObjectState {
    const version = toVersion(getPath(d.body, s.delivery.objectVersionPath));
    if (getPath(d.body, s.delivery.objectDeletedPath) === true) return { found: false, version };
    const data = getPath(d.body, s.delivery.objectDataPath);
    if (version === null || !data || typeof data !== 'object' || Array.isArray(data)) {
      throw new MalformedDeliveryError('trusted payload lacks an object with a version');
    }
    return { found: true, version, data };
  },
  createClient(conn, http, clock) {
    const f = conn.settings.fetch;
    const listHeaders = () =>
      Object.fromEntries(
        Object.entries(f.headers).map(([k, v]) => [k, fillTemplate(v, { credentials: conn.credentials }, () => false)]),
      );
    const lister = conn.settings.changes
      ? createRestLister(conn, conn.settings.changes, listHeaders(), http, f.timeoutMs, clock)
      : undefined;
    return {
      listChanges: lister?.listChanges,
      listIds: lister?.listIds,
      async fetchObject(objectType, objectId): Promise<ObjectState> {
        // typeSegments: the partner's URL segment for a type ("customer" -> "customers"); other types as they are.
        const segment = f.typeSegments[objectType] ?? objectType;
        const vars = { baseUrl: conn.apiBaseUrl, objectType: segment, objectId, credentials: conn.credentials };
        const url = fillTemplate(f.urlTemplate, vars, (k) => k === 'objectType' || k === 'objectId');
        const headers = Object.fromEntries(
          Object.entries(f.headers).map(([k, v]) => [k, fillTemplate(v, vars, () => false)]),
        );
        const startedUs = f.versionPath === null ? (clock ?? systemPartnerClock).nowUs() : null;
        const res = await partnerRequest(http, url, { headers, timeoutMs: f.timeoutMs });
        const body = (await res.json().catch(() => null)) as Json;
        if (res.status === 404) {
          const reported = startedUs === null ? toVersion(getPath(body, f.deletedVersionPath)) : null;
          // A 404 with no deleted version is bare: maybe read-after-write lag (src/activities/partner.ts).
          return reported !== null
            ? { found: false, version: reported }
            : { found: false, version: startedUs, missing: 'not_found' };
        }
        const version = startedUs ?? toVersion(getPath(body, f.versionPath!));
        const data = getPath(body, f.dataPath);
        if (version === null || !data || typeof data !== 'object' || Array.isArray(data)) {
          throw new MalformedDeliveryError(`partner object ${objectType}/${objectId} has no version or data`);
        }
        return { found: true, version, data };
      },
    };
  },
};
