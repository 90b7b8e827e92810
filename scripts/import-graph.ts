// The import graph of a source tree, and the rules it must keep (run by the
// lint step of scripts/test.sh; `npm run check:imports`):
//   1. no cycle between files of src, type-only imports included (a type
//      cycle is still two modules that cannot be understood one at a time);
//   2. no cycle between the top-level folders of src (src/api -> src/system ->
//      src/api is a layering knot even when no two files close a loop);
//   3. src imports nothing from dev/, test/ or bench/ (src is what ships).
// Exits 1 and prints each violation.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type Graph = Map<string, string[]>;

/** Every .ts file under `dir`, skipping generated code. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'generated' && e.name !== 'node_modules') out.push(...sourceFiles(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The files `file` imports (static, type-only, re-exports, dynamic import() and require()), resolved; packages are left out. */
export function importsOf(file: string, text: string): string[] {
  const specs = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName);
  const found: string[] = [];
  for (const spec of specs) {
    if (!spec.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), spec);
    const hit = [`${base}.ts`, path.join(base, 'index.ts'), base].find(
      (c) => fs.existsSync(c) && fs.statSync(c).isFile(),
    );
    if (hit) found.push(hit);
  }
  return found;
}

export function buildGraph(files: string[]): Graph {
  return new Map(files.map((f) => [f, importsOf(f, fs.readFileSync(f, 'utf8'))]));
}

/** Strongly connected components with more than one node, or a node importing itself (Tarjan). */
export function cycles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The graph between top-level folders of `root` (a file directly in root is its own node). */
export function folderGraph(graph: Graph, root: string): Graph {
  const folder = (f: string) => path.relative(root, f).split(path.sep)[0]!.replace(/\.ts$/, '');
  const out = new Map<string, Set<string>>();
  for (const [from, tos] of graph) {
    const a = folder(from);
    if (!out.has(a)) out.set(a, new Set());
    for (const to of tos) {
      if (!to.startsWith(root + path.sep)) continue;
      const b = folder(to);
      if (a !== b) out.get(a)!.add(b);
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]));
}

/** Every rule broken in the tree under `projectRoot`, as readable lines. */
export function violations(projectRoot: string): string[] {
  const src = path.join(projectRoot, 'src');
  const graph = buildGraph(sourceFiles(src));
  const rel = (f: string) => path.relative(projectRoot, f);
  const problems: string[] = [];
  for (const c of cycles(graph)) problems.push(`import cycle between files: ${c.map(rel).join(' <-> ')}`);
  for (const c of cycles(folderGraph(graph, src)))
    problems.push(`import cycle between folders of src: ${c.join(' <-> ')}`);
  for (const [from, tos] of graph) {
    for (const to of tos)
      if (!to.startsWith(src + path.sep)) problems.push(`${rel(from)} imports ${rel(to)}: src ships alone`);
  }
  return problems;
}

if (require.main === module) {
  const problems = violations(path.resolve(__dirname, '..'));
  for (const p of problems) console.error(p);
  if (problems.length > 0) process.exit(1);
  console.log('import graph: no cycles in src (files or folders), nothing imported from outside src');
}
