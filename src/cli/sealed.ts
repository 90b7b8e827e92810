// What the CLI may say about a connection's secrets: how many there are, the
// names of its credentials, and short fingerprints. Never the values.
import crypto from 'node:crypto';
import type { StoredSecrets } from '../connections/input';
import type { SecretBox } from '../crypto/secretBox';

const FINGERPRINT_HEX_CHARS = 12;

export interface SecretsSummary {
  signingSecrets: number;
  credentialNames: string[];
}

/** `sha256:` and the first 12 hex characters of the SHA-256 of the secret. */
export function fingerprint(secret: string): string {
  return `sha256:${crypto.createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, FINGERPRINT_HEX_CHARS)}`;
}

export function openSecrets(box: SecretBox, sealed: string): StoredSecrets {
  return JSON.parse(box.open(sealed)) as StoredSecrets;
}

/**
 * Null when this process cannot open the ciphertext (sealed with a key it does
 * not hold), so one such row does not hide every other connection from a listing.
 */
export function summarize(box: SecretBox, sealed: string): SecretsSummary | null {
  try {
    const s = openSecrets(box, sealed);
    return { signingSecrets: s.signingSecrets.length, credentialNames: Object.keys(s.credentials).sort() };
  } catch {
    return null;
  }
}
