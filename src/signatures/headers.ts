// Reading request headers. Keys are lower-case, as Node delivers them.
//
// A header that feeds verification (signature, signed timestamp, signed id) must
// be unambiguous: repeated (an array of two or more) or longer than
// MAX_HEADER_VALUE_CHARS is malformed_signature, because picking one copy would
// let a sender choose what we check. An informational header that is not signed
// (e.g. X-GitHub-Delivery) is read leniently: ambiguity makes it absent rather
// than rejecting a delivery whose signature is fine. Empty values count as absent.

import { type IncomingHeaders } from './types';
import { SignatureError } from '../errors/ingestErrors';

export const MAX_HEADER_VALUE_CHARS = 8 * 1024;

type Read = { kind: 'absent' } | { kind: 'ambiguous' } | { kind: 'value'; value: string };

function read(headers: IncomingHeaders, name: string): Read {
  const raw = headers[name.toLowerCase()];
  if (Array.isArray(raw) && raw.length > 1) return { kind: 'ambiguous' };
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (value === undefined || value === '') return { kind: 'absent' };
  if (value.length > MAX_HEADER_VALUE_CHARS) return { kind: 'ambiguous' };
  return { kind: 'value', value };
}

/** A header covered by the signature: undefined when absent, malformed_signature when ambiguous. */
export function readSignedHeader(headers: IncomingHeaders, name: string): string | undefined {
  const result = read(headers, name);
  if (result.kind === 'ambiguous') throw new SignatureError('malformed_signature');
  return result.kind === 'value' ? result.value : undefined;
}

/** An unsigned, informational header: undefined when absent or ambiguous. */
export function readInfoHeader(headers: IncomingHeaders, name: string): string | undefined {
  const result = read(headers, name);
  return result.kind === 'value' ? result.value : undefined;
}
