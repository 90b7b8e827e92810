// Dotted-path access into parsed JSON ("data.object.id", "items.0.id"), used by
// connectors configured in data rather than code.
import type { Json } from './types';

/** The empty path is the value itself (an answer that IS the object, like Stripe's). */
export function getPath(value: Json | undefined, path: string): Json | undefined {
  if (path === '') return value;
  let current: Json | undefined = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? current[Number(key)] : current[key];
  }
  return current;
}

/** Versions are numbers; ISO timestamps become epoch milliseconds; numeric strings are numbers. */
export function toVersion(value: Json | undefined): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    if (/^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  return null;
}

/** Fills `{name}` / `{a.b}` placeholders; values whose key `encode` accepts are URI-encoded. */
export function fillTemplate(
  template: string,
  vars: Record<string, unknown>,
  encode: (key: string) => boolean,
): string {
  return template.replace(/\{([\w.]+)\}/g, (_m, key: string) => {
    const v = key
      .split('.')
      .reduce<unknown>(
        (acc, k) => (acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[k] : undefined),
        vars,
      );
    if (v === undefined || v === null) throw new Error(`template variable {${key}} is not set`);
    return encode(key) ? encodeURIComponent(String(v)) : String(v);
  });
}
