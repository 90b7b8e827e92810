// A file's name says what it does, once: no two files of src or dev share a
// name while doing different things (four reconcile.ts were once enough to
// lose a newcomer). Only the conventional names are shared: a folder's entry
// (index.ts), a process's entry point (main.ts) and a folder's contract types (types.ts).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../../scripts/import-graph';

const ROOT = path.resolve(__dirname, '../..');
const SHARED_BY_CONVENTION = new Set(['index.ts', 'main.ts', 'types.ts']);

describe('file names', () => {
  it('are unique across src and dev, but for index.ts, main.ts and types.ts', () => {
    const files = [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'dev'))].map((f) =>
      path.relative(ROOT, f),
    );
    const byName = new Map<string, string[]>();
    for (const f of files) byName.set(path.basename(f), [...(byName.get(path.basename(f)) ?? []), f]);
    const clashes = [...byName]
      .filter(([name, where]) => where.length > 1 && !SHARED_BY_CONVENTION.has(name))
      .map(([, where]) => where.join(' & '));
    expect(clashes).toEqual([]);
  });
});
