// The configuration reference stays whole: every environment variable the
// config schema reads has a row, with its default, in docs/operations.md.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../src/config';

const reference = fs.readFileSync(path.resolve(__dirname, '../../docs/operations.md'), 'utf8');

describe('configuration reference', () => {
  it('has a table row for every environment variable', () => {
    const rows = new Set([...reference.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]));
    expect(ENV_VARS.length).toBeGreaterThan(20);
    expect(ENV_VARS.filter((name) => !rows.has(name))).toEqual([]);
  });
});
