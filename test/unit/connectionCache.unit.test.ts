// The connection cache is bounded by bytes and entries, evicting the least recently used first.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConnectionRepository } from '../../src/connections/repository';
import { SecretBox } from '../../src/crypto/secretBox';
import type { Db } from '../../src/db/prisma';
import { ConnectionCache, entryBytes } from '../../src/connections/connectionCache';
import { isConnectionId } from '../../src/connections/input';

const miss = { value: null, expiresAt: Number.MAX_SAFE_INTEGER };

describe('connection cache', () => {
  it('keeps its estimated size under the byte bound however many misses it is handed', () => {
    const perEntry = entryBytes('id-00000', null);
    const cache = new ConnectionCache(100 * perEntry, 1_000_000);
    for (let i = 0; i < 10_000; i++) cache.set(`id-${String(i).padStart(5, '0')}`, miss);
    expect(cache.size).toBe(100);
    expect(cache.bytes).toBeLessThanOrEqual(100 * perEntry);
  });

  it('evicts the least recently used entry first, and a read counts as a use', () => {
    const perEntry = entryBytes('a', null);
    const cache = new ConnectionCache(3 * perEntry, 100);
    cache.set('a', miss);
    cache.set('b', miss);
    cache.set('c', miss);
    expect(cache.get('a', 0)).toBeDefined();
    cache.set('d', miss);
    expect([cache.get('a', 0), cache.get('b', 0), cache.get('c', 0), cache.get('d', 0)].map(Boolean)).toEqual([
      true,
      false,
      true,
      true,
    ]);
  });

  it('drops an expired entry on read and gives its bytes back', () => {
    const cache = new ConnectionCache();
    cache.set('a', { value: null, expiresAt: 10 });
    expect(cache.get('a', 11)).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });

  it('accepts only ids in the connection-id format', () => {
    expect(['acme', 'a', 'A-b_9', 'x'.repeat(64)].map(isConnectionId)).toEqual([true, true, true, true]);
    expect(['', '-a', '_a', 'a.b', '..', 'a/b', '\u0000', 'x'.repeat(65), 'é'].map(isConnectionId)).toEqual(
      Array(9).fill(false),
    );
  });
});

describe('connection repository cache', () => {
  it('counts the TTL from when a read began: a slow read does not serve its (possibly stale) row for a whole TTL after', async () => {
    let clock = 0;
    let reads = 0;
    const box = new SecretBox(crypto.randomBytes(32));
    const row = {
      id: 'acme',
      connector: 'rest',
      enabled: true,
      apiBaseUrl: null,
      settings: {},
      secretsEnc: box.seal(JSON.stringify({ signingSecrets: ['old'], credentials: {} })),
    };
    // A database read that takes 2 s of the repository's clock (a loaded machine).
    const db = {
      connection: {
        findUnique: async () => {
          reads += 1;
          clock += 2_000;
          return row;
        },
      },
    } as unknown as Db;
    const repo = new ConnectionRepository(db, box, 500, () => clock);
    expect((await repo.find('acme'))?.signingSecrets).toEqual(['old']);
    row.secretsEnc = box.seal(JSON.stringify({ signingSecrets: ['old', 'new'], credentials: {} }));
    // 2 s after the first read began: its row is past its TTL, so the next lookup reads again.
    expect((await repo.find('acme'))?.signingSecrets).toEqual(['old', 'new']);
    expect(reads).toBe(2);
  });
});
