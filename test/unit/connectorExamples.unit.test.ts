// The per-partner example connection files are documentation that must stay true:
// each parses as a seed file, its settings satisfy its connector with no unknown key,
// and its secrets say they are not real.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedFileSchema } from '../../src/connections/input';
import { parseReconcileSettings } from '../../src/connections/reconcileSettings';
import { unknownSettingsKeys } from '../../src/connections/settingsKeys';
import { getConnector } from '../../src/connectors/connectorRegistry';

const FILES = {
  github: 'connections.github.example.json',
  shopify: 'connections.shopify.example.json',
  stripe: 'connections.stripe.example.json',
};

describe.each(Object.entries(FILES))('config/%s example', (connector, file) => {
  const seed = seedFileSchema.parse(JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../config', file), 'utf8')));

  it.each(seed.connections.map((c) => [c.id, c] as const))('%s is accepted by its connector', (_id, c) => {
    expect(c.connector).toBe(connector);
    const schema = getConnector(c.connector).settingsSchema;
    const parsed = schema.safeParse(c.settings);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(unknownSettingsKeys(schema, c.settings)).toEqual([]);
    expect(() => parseReconcileSettings(c.settings, false)).not.toThrow();
    for (const s of [...c.signingSecrets, ...Object.values(c.credentials)]) expect(s).toMatch(/NOT.REAL/);
  });
});
