// Encrypts connection secrets at rest with AES-256-GCM. Ciphertexts name the
// key they were made with (`v1.<keyId>.<iv>.<tag>.<data>`), so the key can be
// rotated: the current key encrypts, the current and previous keys decrypt.
import crypto from 'node:crypto';

const IV_BYTES = 12;

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new SecretBoxError('encryption key must be 32 bytes, as 64 hex characters or base64');
  return key;
}

/** A key's public name: the first 8 hex digits of its SHA-256. */
export function keyId(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function macWith(key: Buffer, purpose: string, data: string): string {
  const subkey = Buffer.from(crypto.hkdfSync('sha256', key, Buffer.alloc(0), `syncline mac: ${purpose}`, 32));
  return crypto.createHmac('sha256', subkey).update(data, 'utf8').digest('base64url');
}

export class SecretBox {
  private readonly current: Buffer;
  private readonly byId = new Map<string, Buffer>();

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.current = current;
    for (const k of [current, ...previous]) this.byId.set(keyId(k), k);
  }

  seal(plaintext: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.current, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
    return ['v1', keyId(this.current), ...parts].join('.');
  }

  open(sealed: string): string {
    const [version, id, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !id || iv === undefined || tag === undefined || data === undefined) {
      throw new SecretBoxError('not a syncline ciphertext');
    }
    const key = this.byId.get(id);
    if (!key) throw new SecretBoxError(`no encryption key with id ${id} is configured`);
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('ciphertext failed authentication');
    }
  }

  /**
   * A MAC of `data` under a key derived (HKDF) from the current key for one
   * `purpose`, naming the key it was made with (`v1.<keyId>.<mac>`), so that
   * two syncline processes sharing the encryption key can vouch for what one of
   * them wrote through a channel they do not trust (workflow input).
   */
  mac(purpose: string, data: string): string {
    return ['v1', keyId(this.current), macWith(this.current, purpose, data)].join('.');
  }

  /** True when `tag` is a MAC of `data` for `purpose` under the current or a previous key. */
  verifyMac(purpose: string, data: string, tag: string): boolean {
    const [version, id, mac] = tag.split('.');
    const key = id === undefined ? undefined : this.byId.get(id);
    if (version !== 'v1' || !key || mac === undefined) return false;
    const expected = Buffer.from(macWith(key, purpose, data), 'base64url');
    const given = Buffer.from(mac, 'base64url');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }

  /** True when `sealed` was made with an older key and should be re-sealed. */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== keyId(this.current);
  }
}
