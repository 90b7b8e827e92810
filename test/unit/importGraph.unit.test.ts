// The import-graph rules (scripts/import-graph.ts, run in the lint step) hold
// for src, and the checker itself finds what it is meant to find.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { violations } from '../../scripts/import-graph';

const ROOT = path.resolve(__dirname, '../..');

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-graph-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('the import graph of src', () => {
  it('has no cycle between files or folders and imports nothing from outside src', () => {
    expect(violations(ROOT)).toEqual([]);
  });
});

describe('the import-graph checker', () => {
  it('finds a cycle closed by a type-only import', () => {
    const dir = tree({
      'src/a/x.ts': "import type { Y } from './y';\nexport type X = Y;",
      'src/a/y.ts': "import { x } from './x';\nexport type Y = typeof x;",
    });
    expect(violations(dir)).toEqual(['import cycle between files: src/a/x.ts <-> src/a/y.ts']);
  });

  it('finds a cycle between folders that no two files close', () => {
    const dir = tree({
      'src/api/a.ts': "export { b } from '../system/b';",
      'src/system/b.ts': 'export const b = 1;',
      'src/system/c.ts': "import '../api/d';",
      'src/api/d.ts': '',
    });
    expect(violations(dir)).toEqual(['import cycle between folders of src: api <-> system']);
  });

  it('refuses an import from src into dev', () => {
    const dir = tree({ 'src/a.ts': "import '../dev/tool';", 'dev/tool.ts': '' });
    expect(violations(dir)).toEqual(['src/a.ts imports dev/tool.ts: src ships alone']);
  });
});
