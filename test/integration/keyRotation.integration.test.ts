// Retiring an encryption key (issue 16 §2.11): `syncline keys rotate`, run with the new
// key current and the old one previous, re-encrypts every connection, after which the
// old key can be removed and everything still decrypts. A database of its own, so the
// command meets only this test's connections (other files seal theirs under their own keys).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseEnv } from '../../src/config';
import { ensureDatabase } from '../../src/db/bootstrap';
import { createLogger } from '../../src/infra/log';
import { openRuntime, type Runtime } from '../../src/system/runtime';
import { runCli, CLI_TEST_TIMEOUT_MS } from '../support/cli';

const OLD_KEY = crypto.randomBytes(32).toString('base64');
const NEW_KEY = crypto.randomBytes(32).toString('base64');
const IDS = ['acme', 'globex', 'initech'];

let databaseUrl: string;

async function runtime(keys: { ENCRYPTION_KEY: string; ENCRYPTION_KEYS_PREVIOUS?: string }): Promise<Runtime> {
  const env = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    DATA_DIR: inject('runDir'),
    CONNECTION_CACHE_TTL_MS: '0',
    ...keys,
  });
  return openRuntime(env, createLogger('silent', 'keys'));
}

beforeAll(async () => {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/keys_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  const rt = await runtime({ ENCRYPTION_KEY: OLD_KEY });
  for (const id of IDS)
    await rt.connections.upsert({
      id,
      connector: 'rest',
      signingSecrets: [`whsec_${id}`],
      credentials: { apiKey: `key_${id}` },
      settings: { signature: { scheme: 'stripe' } },
    });
  await rt.close();
});

describe('keys rotate', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  let rt: Runtime | undefined;
  afterAll(async () => {
    await rt?.close();
  });

  it('re-encrypts every connection under the current key, so the old key can be removed', async () => {
    // Without the old key nothing opens: that is what retiring it unrotated would do.
    rt = await runtime({ ENCRYPTION_KEY: NEW_KEY });
    await expect(rt.connections.find('acme')).rejects.toThrow();
    await rt.close();
    rt = undefined;

    const run = await runCli(['keys', 'rotate', '--json'], {
      DATABASE_URL: databaseUrl,
      ENCRYPTION_KEY: NEW_KEY,
      ENCRYPTION_KEYS_PREVIOUS: OLD_KEY,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rotated: 3 });

    rt = await runtime({ ENCRYPTION_KEY: NEW_KEY });
    for (const id of IDS) {
      const conn = await rt.connections.find(id);
      expect(conn).toMatchObject({ signingSecrets: [`whsec_${id}`], credentials: { apiKey: `key_${id}` } });
    }
    const again = await runCli(['keys', 'rotate', '--json'], { DATABASE_URL: databaseUrl, ENCRYPTION_KEY: NEW_KEY });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rotated: 0 });
  });

  it('fails, naming them, when connections are sealed under a key it was not given', async () => {
    const run = await runCli(['keys', 'rotate'], {
      DATABASE_URL: databaseUrl,
      ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/3 connection\(s\) are sealed under a key that is not configured.*acme/);
  });
});
