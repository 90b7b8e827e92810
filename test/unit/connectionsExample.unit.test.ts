// config/connections.example.json is documentation that must stay true: it
// parses as a seed file and every connection's settings satisfy its connector.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedFileSchema } from '../../src/connections/input';
import { unknownSettingsKeys } from '../../src/connections/settingsKeys';
import { getConnector } from '../../src/connectors/connectorRegistry';
import { SCHEME_NAMES } from '../../src/signatures/config';

const EXAMPLE = path.resolve(__dirname, '../../config/connections.example.json');
const seed = seedFileSchema.parse(JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')));

describe('config/connections.example.json', () => {
  it('is a valid seed file with unique connection ids', () => {
    const ids = seed.connections.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(seed.connections.map((c) => [c.id, c] as const))('%s has settings the rest connector accepts', (_id, c) => {
    expect(c.connector).toBe('rest');
    const parsed = getConnector(c.connector).settingsSchema.safeParse(c.settings);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(unknownSettingsKeys(getConnector(c.connector).settingsSchema, c.settings)).toEqual([]);
  });

  it('has one connection for every signature scheme', () => {
    const schemes = seed.connections.map((c) => (c.settings.signature as { scheme: string }).scheme);
    expect([...schemes].sort()).toEqual([...SCHEME_NAMES].sort());
  });

  it('uses only secrets that say they are not real', () => {
    for (const c of seed.connections) {
      for (const s of [...c.signingSecrets, ...Object.values(c.credentials)]) {
        const text = s.startsWith('whsec_') ? `${s} ${Buffer.from(s.slice(6), 'base64').toString('utf8')}` : s;
        expect(text, `a secret of ${c.id}`).toMatch(/NOT-REAL|NOT_REAL|EXAMPLE/);
      }
    }
  });
});
