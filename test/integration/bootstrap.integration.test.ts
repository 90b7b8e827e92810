// How syncline finds its database on a new machine, and what it keeps there:
// the local server (database created when missing), or an embedded PostgreSQL
// when nothing answers; connection secrets are stored encrypted.
import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { ConnectionRepository } from '../../src/connections/repository';
import { SecretBox } from '../../src/crypto/secretBox';
import { answers, ensureDatabase, startEmbedded } from '../../src/db/bootstrap';
import { migrate } from '../../src/db/migrate';
import { createDb } from '../../src/db/prisma';
import { createLogger } from '../../src/infra/log';
import { freePort } from '../../dev/support/ports';

const log = createLogger('silent');

describe('database bootstrap', () => {
  it('creates a missing database on the configured server, idempotently', async () => {
    const u = new URL(inject('databaseUrl'));
    u.pathname = `/boot_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    await ensureDatabase(u.toString());
    await ensureDatabase(u.toString());
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    expect((await c.query('SELECT current_database() AS db')).rows[0].db).toBe(u.pathname.slice(1));
    await c.end();
  });

  it('starts an embedded PostgreSQL when none answers, migrates it, and stops it', async () => {
    const port = await freePort();
    expect(await answers(`postgresql://postgres@127.0.0.1:${port}/postgres`)).toBe(false);
    const db = await startEmbedded(path.join(inject('runDir'), `embedded-${port}`), port, log);
    try {
      expect(db.kind).toBe('embedded');
      expect(await migrate(db.url)).not.toHaveLength(0);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const v = await c.query(
        `SELECT current_setting('server_version_num')::int AS v, to_regclass('sync_records') AS t`,
      );
      await c.end();
      expect(v.rows[0].t).toBe('sync_records');
    } finally {
      await db.stop();
    }
    expect(await answers(`postgresql://postgres@127.0.0.1:${port}/postgres`)).toBe(false);
  });

  it('stores connection secrets encrypted, and reads them back decrypted', async () => {
    const db = createDb({ url: inject('databaseUrl') });
    try {
      const repo = new ConnectionRepository(db, new SecretBox(crypto.randomBytes(32)), 0);
      const id = `enc-${crypto.randomBytes(3).toString('hex')}`;
      await repo.upsert({
        id,
        connector: 'rest',
        signingSecrets: ['whsec_plain_text_secret'],
        credentials: { apiKey: 'api_key_plain_text' },
        settings: { signature: { scheme: 'stripe' } },
      });
      const raw = await db.connection.findUniqueOrThrow({ where: { id } });
      expect(raw.secretsEnc).not.toContain('plain_text');
      expect(JSON.stringify(raw)).not.toContain('plain_text');
      const resolved = await repo.get(id);
      expect(resolved.signingSecrets).toEqual(['whsec_plain_text_secret']);
      expect(resolved.credentials).toEqual({ apiKey: 'api_key_plain_text' });
      expect(
        await repo.upsert({
          id,
          connector: 'rest',
          signingSecrets: ['whsec_plain_text_secret'],
          credentials: { apiKey: 'api_key_plain_text' },
          settings: { signature: { scheme: 'stripe' } },
        }),
      ).toBe('unchanged');
    } finally {
      await db.$disconnect();
    }
  });
});
