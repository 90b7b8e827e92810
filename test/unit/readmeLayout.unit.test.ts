// The README's layout section matches the code: every folder of src and dev
// has its own line (its path first on the line), every path a line names
// exists, and the workflows line names every workflow the worker registers.
// A folder added without its line, or a line left for a folder that moved,
// fails here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as workflows from '../../src/workflows';

const ROOT = path.resolve(__dirname, '../..');

/** The first path of each line of the README's "- Layout." list, with the line. */
function layoutLines(): Map<string, string> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
  const start = readme.findIndex((l) => l.startsWith('- Layout.'));
  expect(start, 'README has a "- Layout." list').toBeGreaterThan(-1);
  const lines = new Map<string, string>();
  for (const line of readme.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    const first = /^ {2}- `([^`]+)`/.exec(line)?.[1];
    if (first) lines.set(first, line);
  }
  return lines;
}

const folders = (dir: string) =>
  fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `${dir}/${e.name}`);

describe("the README's layout section", () => {
  it('gives every folder of src and dev a line of its own', () => {
    const lines = layoutLines();
    const missing = [...folders('src'), ...folders('dev')].filter((f) => !lines.has(f));
    expect(missing).toEqual([]);
  });

  it('names only paths that exist', () => {
    const named = [...layoutLines().values()].flatMap((l) => [...l.matchAll(/`((?:src|dev|test|deploy)\/[^`\s]*)`/g)]);
    const gone = named.map((m) => m[1]!).filter((p) => !fs.existsSync(path.join(ROOT, p)));
    expect(gone).toEqual([]);
  });

  it('names every workflow the worker registers on the workflows line', () => {
    const line = layoutLines().get('src/workflows') ?? '';
    const unnamed = Object.keys(workflows).filter((name) => !line.includes(`\`${name}\``));
    expect(unnamed).toEqual([]);
  });
});
