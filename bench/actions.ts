// Temporal Cloud Actions per event, by path, counted from real histories (issue 17).
// For each commit it measures, a throwaway worktree of that commit runs
// test/recorder/action-paths.integration.test.ts (copied in, like
// scripts/record-histories.sh does) against its own code on a real dev server and
// PostgreSQL; each path's processEvent history is then counted with the rules in
// dev/support/actionCount.ts. Prints Actions per event and $ per million events
// at about $50 per million Actions, before and after.
//   npm run bench:actions -- [--before <commit>] [--after <commit>]
//   (--before none: the after side only; the worktrees borrow this checkout's node_modules:
//   SHARE_NODE_MODULES=1 when package-lock.json differs in ways the measured code does not use)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './support/env';
import { parseFlags, runBench, table, writeResult } from './support/report';
import {
  billedActions,
  countActions,
  dollarsPerMillionEvents,
  totalActions,
  type ActionCounts,
  type HistoryJson,
} from '../dev/support/actionCount';

/** main just before issue 17's change to processEvent: the "before" of BENCHMARKS.md's cost section. */
const BEFORE_ISSUE_17 = '6d922dc';
const PATHS = ['processed', 'trusted-payload', 'unchanged', 'duplicate', 'one-retry', 'parked-replayed'] as const;
const PROBE = 'test/recorder/action-paths.integration.test.ts';

const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();

/** Runs the probe at `commit` and returns each path's history. */
function histories(commit: string): Record<string, HistoryJson> {
  // SHARE_NODE_MODULES=1 overrides, as for scripts/record-histories.sh, once the difference is known not to matter.
  if (!process.env.SHARE_NODE_MODULES && git('diff', '--name-only', commit, 'HEAD', '--', 'package-lock.json') !== '')
    throw new Error(`package-lock.json at ${commit} differs from HEAD's; its worktree cannot borrow node_modules`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-actions-'));
  const tree = path.join(dir, 'tree');
  const out = path.join(dir, 'histories');
  git('worktree', 'add', '-f', '--detach', tree, commit);
  try {
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
    // Borrowed node_modules come with their lock, or the worktree's ensure-deps would reinstall them from its own.
    fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(tree, 'package-lock.json'));
    if (fs.existsSync(path.join(ROOT, '.tools'))) fs.symlinkSync(path.join(ROOT, '.tools'), path.join(tree, '.tools'));
    fs.copyFileSync(path.join(ROOT, PROBE), path.join(tree, 'test/integration/action-paths.integration.test.ts'));
    execFileSync('bash', ['scripts/ensure-deps.sh'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync(
      'npx',
      ['vitest', 'run', '--project', 'integration', 'test/integration/action-paths.integration.test.ts'],
      {
        cwd: tree,
        stdio: 'inherit',
        env: { ...process.env, ACTIONS_OUT: out },
      },
    );
    return Object.fromEntries(
      PATHS.map((p) => [p, JSON.parse(fs.readFileSync(path.join(out, `${p}.json`), 'utf8')) as HistoryJson]),
    );
  } finally {
    git('worktree', 'remove', '--force', tree);
    git('worktree', 'prune');
  }
}

interface Side {
  commit: string;
  paths: Record<string, { counts: ActionCounts; actions: number; billed: number; dollarsPerMillion: number }>;
}

function measure(commit: string): Side {
  const sha = git('rev-parse', '--short', commit);
  const paths: Side['paths'] = {};
  for (const [name, history] of Object.entries(histories(sha))) {
    const counts = countActions(history);
    const actions = totalActions(counts);
    paths[name] = {
      counts,
      actions,
      billed: billedActions(counts),
      dollarsPerMillion: dollarsPerMillionEvents(actions),
    };
  }
  return { commit: sha, paths };
}

runBench(async () => {
  const flags = parseFlags({ before: BEFORE_ISSUE_17, after: 'HEAD' });
  const sides = [...(flags.before === 'none' ? [] : [['before', flags.before]]), ['after', flags.after]] as const;
  const results: Record<string, Side> = {};
  for (const [label, commit] of sides) results[label] = measure(commit);

  const rows = PATHS.map((p) => {
    const row: Record<string, string | number> = { path: p };
    for (const [label, side] of Object.entries(results)) {
      const r = side.paths[p]!;
      row[`${label} Actions`] = r.billed === r.actions ? r.actions : `${r.actions} (Cloud ${r.billed})`;
      row[`${label} $/M events`] = r.dollarsPerMillion;
    }
    return row;
  });
  console.log(table(rows));
  for (const [label, side] of Object.entries(results)) {
    console.log(`\n${label} (${side.commit}), by action_type:`);
    for (const p of PATHS) console.log(`  ${p.padEnd(16)} ${JSON.stringify(side.paths[p]!.counts)}`);
  }
  console.log(`\nwrote ${writeResult('actions', results)}`);
});
