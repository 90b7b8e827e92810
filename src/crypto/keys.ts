// Resolves the encryption key: ENCRYPTION_KEY when set; otherwise, outside
// production, a key generated once into the data folder so the quickstart runs
// with no setup. Production refuses to start without an explicit key.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../config';
import { SecretBox, parseKey } from './secretBox';

export function secretBoxFromEnv(env: Env, dataDir: string): SecretBox {
  const previous = env.ENCRYPTION_KEYS_PREVIOUS.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseKey);
  if (env.ENCRYPTION_KEY) return new SecretBox(parseKey(env.ENCRYPTION_KEY), previous);
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
  return new SecretBox(parseKey(fs.readFileSync(file, 'utf8')), previous);
}
