// Proves that a fresh database migrated the project's way (src/db/migrate.ts
// applying prisma/migrations) is exactly what schema.prisma describes: the
// catalog matches the SQL Prisma's own schema engine derives from the schema,
// and every model round-trips through the generated client.
import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { prismaDiffSql } from '../../scripts/prisma-diff';
import { ensureDatabase } from '../../src/db/bootstrap';
import { migrate, readMigrations } from '../../src/db/migrate';
import { createDb, type Db } from '../../src/db/prisma';

const SCHEMA = path.resolve(__dirname, '../../prisma/schema.prisma');

function dbUrl(name: string): string {
  const u = new URL(inject('databaseUrl'));
  u.pathname = `/${name}`;
  return u.toString();
}

async function catalog(url: string): Promise<Record<string, unknown[]>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const q = async (sql: string) => (await c.query(sql)).rows;
    return {
      columns:
        await q(`SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length, datetime_precision
        FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1, 2`),
      constraints: await q(`SELECT conrelid::regclass::text AS tbl, conname, contype, pg_get_constraintdef(oid) AS def
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT IN ('_prisma_migrations', '"_prisma_migrations"') ORDER BY 1, 2`),
      indexes: await q(
        `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1, 2`,
      ),
    };
  } finally {
    await c.end();
  }
}

const suffix = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
const migratedUrl = dbUrl(`schema_migrated_${suffix}`);
const expectedUrl = dbUrl(`schema_expected_${suffix}`);
let db: Db;

beforeAll(async () => {
  await ensureDatabase(migratedUrl);
  await ensureDatabase(expectedUrl);
  await migrate(migratedUrl);
  const sql = prismaDiffSql('empty', SCHEMA, inject('databaseUrl'));
  const c = new pg.Client({ connectionString: expectedUrl });
  await c.connect();
  await c.query(sql);
  await c.end();
  db = createDb({ url: migratedUrl });
});
afterAll(async () => {
  await db?.$disconnect();
});

describe('database schema', () => {
  it('matches what Prisma derives from schema.prisma, column for column and index for index', async () => {
    expect(await catalog(migratedUrl)).toEqual(await catalog(expectedUrl));
  });

  it('records applied migrations with Prisma checksums so prisma migrate deploy sees the same history', async () => {
    const c = new pg.Client({ connectionString: migratedUrl });
    await c.connect();
    const rows = (await c.query('SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name'))
      .rows;
    await c.end();
    expect(rows).toEqual(readMigrations().map((m) => ({ migration_name: m.name, checksum: m.checksum })));
  });

  it('applies nothing the second time it runs', async () => {
    expect(await migrate(migratedUrl)).toEqual([]);
  });

  it('round-trips every model through the generated client with every scalar field set', async () => {
    // The generated client's own description of the models, so a new model is covered without editing this test.
    const dataModel = (db as unknown as { _runtimeDataModel?: { models: Record<string, { fields: Field[] }> } })
      ._runtimeDataModel;
    expect(dataModel, 'generated client exposes its data model').toBeDefined();
    const models = Object.entries(dataModel!.models);
    expect(models.length).toBeGreaterThanOrEqual(3);
    const connectionId = `rt-${suffix}`;
    // Parents first: every other model hangs off a connection.
    models.sort(([a], [b]) => (a === 'Connection' ? -1 : b === 'Connection' ? 1 : 0));
    for (const [name, model] of models) {
      const row: Record<string, unknown> = {};
      for (const f of model.fields.filter((x) => x.kind === 'scalar')) row[f.name] = sample(f, connectionId);
      const delegate = (db as unknown as Record<string, { create(a: unknown): Promise<Record<string, unknown>> }>)[
        name[0]!.toLowerCase() + name.slice(1)
      ]!;
      const created = await delegate.create({ data: row });
      for (const [k, v] of Object.entries(row)) {
        if (k === 'updatedAt') continue; // @updatedAt is Prisma's to set
        if (TRIGGER_SET.has(`${name}.${k}`)) {
          // The change feed's position is the database's to set (docs/change-feed.md), whatever a writer sends.
          expect(created[k], `${name}.${k}`).not.toEqual(v);
          expect(created[k] as bigint, `${name}.${k}`).toBeGreaterThan(0n);
          continue;
        }
        expect(created[k], `${name}.${k}`).toEqual(v);
      }
    }
  });
});

/** Columns a trigger sets on every write (migration 20261206000000_change_feed). */
const TRIGGER_SET = new Set(['SyncRecord.feedXid', 'SyncRecord.feedSeq']);

interface Field {
  name: string;
  kind: string;
  type: string;
}

function sample(f: Field, connectionId: string): unknown {
  if (f.name === 'connectionId' || (f.name === 'id' && f.type === 'String')) return connectionId;
  switch (f.type) {
    case 'String':
      return `value-of-${f.name}`;
    case 'Int':
      return 7;
    case 'BigInt':
      return 9_007_199_254_740_993n;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'DateTime':
      return new Date('2026-01-02T03:04:05.678Z');
    case 'Json':
      return { nested: [1, 'two', { three: null }] };
    case 'Bytes':
      return new Uint8Array([0, 1, 2, 255]);
    default:
      throw new Error(`no sample for ${f.type} (${f.name}): extend the round-trip test`);
  }
}
