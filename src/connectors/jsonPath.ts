// Dotted-path access into parsed JSON ("data.object.id", "items.0.id"), used by
// connectors configured in data rather than code.
import { MalformedDeliveryError } from '../errors/ingestErrors';
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
  let v: number | null = null;
  if (typeof value === 'number') v = value;
  else if (typeof value === 'string' && value.trim() !== '') {
    // Any numeric literal is read as a number (so "1e21" is range-checked below, not read as a date).
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value.trim())) v = Number(value);
    else {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) v = ms;
    }
  }
  if (v === null) return null;
  // Range-checked here, at the edge: above 2^53 a version loses precision, above 9.2e18 it overflows the
  // BIGINT column, and 1e21 prints as "1e+21". Such a version is malformed, not an apply step that retries forever.
  if (!Number.isSafeInteger(v) || v < 0)
    throw new MalformedDeliveryError(`version ${JSON.stringify(value)} is not a non-negative integer up to 2^53-1`);
  return v;
}

/** A template value that is a path segment: `.` and `..` would walk out of the template's scope. */
const DOT_SEGMENT = /^\.{1,2}$/;

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
    if (!encode(key)) return String(v);
    // encodeURIComponent leaves `.` and `..` as they are: an id of `..` would address the template's parent.
    if (DOT_SEGMENT.test(String(v)))
      throw new MalformedDeliveryError(`template variable {${key}} is a dot segment (${String(v)})`);
    return encodeURIComponent(String(v));
  });
}
