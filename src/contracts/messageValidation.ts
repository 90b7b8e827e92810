// Signals and updates arrive as arbitrary JSON: anyone with access to the Web
// UI or `temporal workflow signal` can send anything. A handler that trusts the
// shape throws, and an exception in a signal handler fails the workflow task,
// which Temporal retries forever: one bad payload wedges the event (issue 16).
// So every handler parses its input here first. Deterministic and
// dependency-free: bundled into workflows.
import type { OperatorRequest, SupersedeNotice } from './processEventContract';

/** Longest `by` and `reason` kept; they go to the audit table and the workflow's details. */
export const MAX_ACTOR_CHARS = 200;
export const MAX_REASON_CHARS = 2_000;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** `{ by: string, reason?: string }`: `by` non-blank, both bounded. */
export function parseOperatorRequest(x: unknown): Parsed<OperatorRequest> {
  if (!isObject(x)) return { ok: false, error: 'expected an object { by, reason? }' };
  const { by, reason } = x;
  if (typeof by !== 'string' || !by.trim()) return { ok: false, error: '"by" (who is acting) is required' };
  if (by.length > MAX_ACTOR_CHARS) return { ok: false, error: `"by" is longer than ${MAX_ACTOR_CHARS} characters` };
  if (reason !== undefined && reason !== null && typeof reason !== 'string')
    return { ok: false, error: '"reason" must be a string' };
  if (typeof reason === 'string' && reason.length > MAX_REASON_CHARS)
    return { ok: false, error: `"reason" is longer than ${MAX_REASON_CHARS} characters` };
  return { ok: true, value: { by, ...(typeof reason === 'string' ? { reason } : {}) } };
}

/** `{ version: non-negative safe integer, source: string }`. */
export function parseSupersedeNotice(x: unknown): Parsed<SupersedeNotice> {
  if (!isObject(x)) return { ok: false, error: 'expected an object { version, source }' };
  const { version, source } = x;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)
    return { ok: false, error: '"version" must be a non-negative integer' };
  if (typeof source !== 'string' || !source || source.length > MAX_REASON_CHARS)
    return { ok: false, error: '"source" must be a non-empty string' };
  return { ok: true, value: { version, source } };
}

/** What a log line may carry of a rejected payload: its JSON, cut short. */
export function describePayload(x: unknown, maxChars = 200): string {
  let text: string;
  try {
    text = JSON.stringify(x) ?? String(x);
  } catch {
    text = Object.prototype.toString.call(x);
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}
