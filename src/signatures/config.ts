// Runtime check of a SignatureConfig read from storage or an API. It reports
// every problem at once, and rejects unknown keys and settings the scheme would
// silently ignore, so a typo ("tolerance") fails loudly instead of weakening checks.

import type { SchemeName, SignatureConfig } from './types';

export const SCHEME_NAMES: readonly SchemeName[] = ['stripe', 'github', 'shopify', 'standard-webhooks', 'hmac'];
const ENCODINGS = ['hex', 'base64'] as const;
const ALGORITHMS = ['sha256', 'sha512', 'sha1'] as const;
const HMAC_ONLY = ['header', 'encoding', 'prefix', 'timestampHeader', 'algorithm'] as const;
const KNOWN_KEYS: readonly string[] = ['scheme', 'toleranceSec', ...HMAC_ONLY];
// RFC 9110 field-name token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const oneOf = <T extends string>(allowed: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value);

function hasTimestamp(scheme: SchemeName, record: Record<string, unknown>): boolean {
  return (
    scheme === 'stripe' || scheme === 'standard-webhooks' || (scheme === 'hmac' && record.timestampHeader !== undefined)
  );
}

function problemsOf(record: Record<string, unknown>): string[] {
  const problems = Object.keys(record)
    .filter((key) => !KNOWN_KEYS.includes(key))
    .map((key) => `unknown key "${key}"`);
  const { scheme } = record;
  if (!oneOf(SCHEME_NAMES, scheme)) return [...problems, `scheme must be one of ${SCHEME_NAMES.join(', ')}`];
  if (scheme === 'hmac') {
    if (typeof record.header !== 'string' || !HEADER_NAME.test(record.header))
      problems.push('header must be a header name (required for hmac)');
    if (record.encoding !== undefined && !oneOf(ENCODINGS, record.encoding))
      problems.push(`encoding must be one of ${ENCODINGS.join(', ')}`);
    if (record.algorithm !== undefined && !oneOf(ALGORITHMS, record.algorithm))
      problems.push(`algorithm must be one of ${ALGORITHMS.join(', ')}`);
    if (record.prefix !== undefined && (typeof record.prefix !== 'string' || record.prefix === ''))
      problems.push('prefix must be a non-empty string');
    if (
      record.timestampHeader !== undefined &&
      (typeof record.timestampHeader !== 'string' || !HEADER_NAME.test(record.timestampHeader))
    ) {
      problems.push('timestampHeader must be a header name');
    }
  } else {
    problems.push(
      ...HMAC_ONLY.filter((key) => record[key] !== undefined).map((key) => `${key} is only for scheme hmac`),
    );
  }
  const { toleranceSec } = record;
  if (toleranceSec !== undefined) {
    if (!hasTimestamp(scheme, record))
      problems.push(`toleranceSec has no effect: this ${scheme} config signs no timestamp`);
    else if (typeof toleranceSec !== 'number' || !Number.isFinite(toleranceSec) || toleranceSec <= 0) {
      problems.push('toleranceSec must be a positive number of seconds');
    }
  }
  return problems;
}

/** Returns a clean copy of a valid config; throws an Error listing every problem otherwise. */
export function parseSignatureConfig(value: unknown): SignatureConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('invalid signature config: expected an object');
  }
  const record = value as Record<string, unknown>;
  const problems = problemsOf(record);
  if (problems.length > 0) throw new Error(`invalid signature config: ${problems.join('; ')}`);
  const config: Record<string, unknown> = {};
  for (const key of KNOWN_KEYS) if (record[key] !== undefined) config[key] = record[key];
  return config as unknown as SignatureConfig;
}
