// Keys in a connection's settings that nothing reads. The settings schemas fill
// defaults and drop keys they do not declare, so a misspelt
// `fetch.urlTemplte` would quietly fetch from the default URL and a misspelt
// `reconcile.pageSzie` would quietly page at the default size. Saving a
// connection (CLI, seed file, admin API) refuses such keys and suggests the
// declared one nearest in spelling. Reading a stored row does not check them,
// so a row written by an older version that allowed them keeps working.
import type { z } from 'zod';
import { notificationSettingsSchema } from './notificationSettings';
import { reconcileSettingsSchema } from './reconcileSettings';

/** The parts of a zod 4 schema definition this walk follows. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  catchall?: unknown;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface UnknownKey {
  path: string;
  suggestion?: string;
}

/**
 * Keys of `value` that `schema` does not declare, as dotted paths. Follows
 * wrappers (default, optional, nullable, transform inputs) and arrays; objects
 * with a catchall and records accept any key.
 */
export function unknownKeys(schema: z.ZodType, value: unknown, path: string[] = []): UnknownKey[] {
  const def = defOf(schema);
  if (def.innerType) return unknownKeys(def.innerType, value, path);
  if (def.type === 'pipe' && def.in) return unknownKeys(def.in, value, path);
  if (def.type === 'array' && def.element && Array.isArray(value))
    return value.flatMap((v, i) => unknownKeys(def.element!, v, [...path, String(i)]));
  const shape = def.type === 'object' && !def.catchall ? def.shape : undefined;
  if (!shape || !isObject(value)) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const declared = shape[key];
    if (declared) return unknownKeys(declared, v, [...path, key]);
    return [{ path: [...path, key].join('.'), suggestion: nearest(key, Object.keys(shape)) }];
  });
}

/** A connection's settings: the connector's own keys, plus the `reconcile` and `notifications` sections every connector shares. */
export function unknownSettingsKeys(connectorSchema: z.ZodType, settings: unknown): UnknownKey[] {
  if (!isObject(settings)) return [];
  const { reconcile, notifications, ...own } = settings;
  return [
    ...unknownKeys(connectorSchema, own),
    ...unknownKeys(reconcileSettingsSchema, reconcile, ['reconcile']),
    ...unknownKeys(notificationSettingsSchema, notifications, ['notifications']),
  ];
}

export function describeUnknownKeys(keys: UnknownKey[]): string {
  return keys.map((k) => `"${k.path}"${k.suggestion ? ` (did you mean "${k.suggestion}"?)` : ''}`).join(', ');
}

/** The declared key within two edits of `key`, if exactly one is nearest. */
function nearest(key: string, declared: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  let tie = false;
  for (const d of declared) {
    const distance = editDistance(key.toLowerCase(), d.toLowerCase());
    if (distance < bestDistance) [best, bestDistance, tie] = [d, distance, false];
    else if (distance === bestDistance) tie = true;
  }
  return tie ? undefined : best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
