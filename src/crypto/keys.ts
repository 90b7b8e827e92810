// Resolves the encryption keys: ENCRYPTION_KEY (current) and
// ENCRYPTION_KEYS_PREVIOUS; without ENCRYPTION_KEY, outside production, a key
// generated once into the data folder so the quickstart runs with no setup.
// Production refuses to start without an explicit key. The same keys seal
// connection secrets (SecretBox) and, through keys derived from them, Temporal
// payloads (EncryptionCodec): one secret to hand out and to rotate.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../config';
import { EncryptionCodec } from './payloadCodec';
import { parseKey } from './secretBox';

export interface Keyring {
  current: Buffer;
  previous: Buffer[];
}

export function keyringFromEnv(env: Env, dataDir: string): Keyring {
  const previous = env.ENCRYPTION_KEYS_PREVIOUS.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseKey);
  if (env.ENCRYPTION_KEY) return { current: parseKey(env.ENCRYPTION_KEY), previous };
  if (env.NODE_ENV === 'production') throw new Error('ENCRYPTION_KEY is required in production');
  const file = path.join(dataDir, 'encryption.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
  }
  return { current: parseKey(fs.readFileSync(file, 'utf8')), previous };
}

/**
 * Encrypting by default wherever ENCRYPTION_KEY is set (production requires
 * it); the quickstart, on a generated key, keeps plain payloads so its Web UI
 * reads them without a codec server. Decoding works either way.
 */
export function payloadCodecFromKeyring(k: Keyring, env: Env): EncryptionCodec {
  const encrypt = env.TEMPORAL_PAYLOAD_ENCRYPTION ?? Boolean(env.ENCRYPTION_KEY);
  return new EncryptionCodec(k.current, k.previous, { encrypt });
}
