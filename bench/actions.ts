// Temporal Cloud Actions per event, by path, counted from real histories (issue 17).
// For each commit it measures, a throwaway worktree of that commit runs
// test/recorder/action-paths.integration.test.ts (copied in, like
// scripts/record-histories.sh does) against its own code on a real dev server and
// PostgreSQL; each path's processEvent history is then counted with the rules in
// dev/support/actionCount.ts. Beside that count it prints the server's own: the
// probe's dev server runs with a /metrics endpoint (a wrapper around the Temporal
// CLI adds --metrics-port), and each path's `action` counter gain over its run is
// read from the pages the probe saves (the issue says the server's count is the
// truth). With --cluster the probe runs on the cluster project instead (commits that
// have one), against its frontend's /metrics. Prints Actions per event and $ per
// million events at about $50 per million Actions, before and after.
//   npm run bench:actions -- [--before <commit>] [--after <commit>] [--cluster]
//   (--before none: the after side only; the worktrees borrow this checkout's node_modules:
//   SHARE_NODE_MODULES=1 when package-lock.json differs in ways the measured code does not use)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './support/env';
import { parseFlags, runBench, table, writeResult } from './support/report';
import { findTemporalBinary } from '../src/temporal/devServer';
import { freePort } from '../dev/support/ports';
import {
  actionMetric,
  billedActions,
  countActions,
  countsSince,
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

interface Recorded {
  history: HistoryJson;
  /** The server's `action` counter gain over the path's run, when the probe could read it. */
  server?: ActionCounts;
}

/** A Temporal CLI that starts every dev server with /metrics on `port` (the probe's own setup starts one). */
function cliWithMetrics(dir: string, port: number): string {
  const real = findTemporalBinary(process.env.TEMPORAL_CLI_PATH, ROOT);
  const file = path.join(dir, 'temporal');
  fs.writeFileSync(
    file,
    `#!/bin/sh\nif [ "$1 $2" = "server start-dev" ]; then exec ${JSON.stringify(real)} "$@" --metrics-port ${port}; fi\nexec ${JSON.stringify(real)} "$@"\n`,
    { mode: 0o755 },
  );
  return file;
}

/** Runs the probe at `commit` and returns each path's history, with the server's count where it was read. */
async function histories(commit: string, cluster: boolean): Promise<Record<string, Recorded>> {
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
    const [project, file] = cluster
      ? ['cluster', 'test/cluster/action-paths.cluster.test.ts']
      : ['integration', 'test/integration/action-paths.integration.test.ts'];
    if (cluster && !fs.existsSync(path.join(tree, 'test/support/clusterSetup.ts')))
      throw new Error(`${commit} has no cluster test project`);
    fs.copyFileSync(path.join(ROOT, PROBE), path.join(tree, file));
    execFileSync('bash', ['scripts/ensure-deps.sh'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
    const env: NodeJS.ProcessEnv = { ...process.env, ACTIONS_OUT: out };
    if (!cluster) {
      const port = await freePort();
      env.TEMPORAL_CLI_PATH = cliWithMetrics(dir, port);
      env.ACTIONS_METRICS_URL = `http://127.0.0.1:${port}/metrics`;
    }
    execFileSync('npx', ['vitest', 'run', '--project', project, file], { cwd: tree, stdio: 'inherit', env });
    const read = (name: string) => fs.readFileSync(path.join(out, name), 'utf8');
    return Object.fromEntries(
      PATHS.map((p) => {
        const history = JSON.parse(read(`${p}.json`)) as HistoryJson;
        if (!fs.existsSync(path.join(out, `${p}.metrics-after.txt`))) return [p, { history }];
        const server = countsSince(
          actionMetric(read(`${p}.metrics-after.txt`)),
          actionMetric(read(`${p}.metrics-before.txt`)),
        );
        return [p, { history, server }];
      }),
    );
  } finally {
    git('worktree', 'remove', '--force', tree);
    git('worktree', 'prune');
  }
}

interface PathCost {
  /** By the server metric's rules, from the history. */
  counts: ActionCounts;
  actions: number;
  /** Cloud's rule: the history count without TemporalChangeVersion-only upserts. */
  billed: number;
  /** The server's own `action` counter over the run, when read. */
  serverCounts?: ActionCounts;
  server?: number;
  /** At the server's count where read, else the history's. */
  dollarsPerMillion: number;
}

interface Side {
  commit: string;
  paths: Record<string, PathCost>;
}

async function measure(commit: string, cluster: boolean): Promise<Side> {
  const sha = git('rev-parse', '--short', commit);
  const paths: Side['paths'] = {};
  for (const [name, { history, server }] of Object.entries(await histories(sha, cluster))) {
    const counts = countActions(history);
    const actions = totalActions(counts);
    const serverTotal = server && totalActions(server);
    paths[name] = {
      counts,
      actions,
      billed: billedActions(counts),
      ...(server ? { serverCounts: server, server: serverTotal } : {}),
      dollarsPerMillion: dollarsPerMillionEvents(serverTotal ?? actions),
    };
  }
  return { commit: sha, paths };
}

runBench(async () => {
  const flags = parseFlags({ before: BEFORE_ISSUE_17, after: 'HEAD', cluster: false });
  const sides = [...(flags.before === 'none' ? [] : [['before', flags.before]]), ['after', flags.after]] as const;
  const results: Record<string, Side> = {};
  for (const [label, commit] of sides) results[label] = await measure(commit, flags.cluster);

  const rows = PATHS.map((p) => {
    const row: Record<string, string | number> = { path: p };
    for (const [label, side] of Object.entries(results)) {
      const r = side.paths[p]!;
      row[`${label} server`] = r.server ?? 'not read';
      row[`${label} history`] = r.actions;
      row[`${label} Cloud rule`] = r.billed;
      row[`${label} $/M events`] = r.dollarsPerMillion;
    }
    return row;
  });
  console.log(`on the ${flags.cluster ? 'cluster' : 'dev server'}; server = its own \`action\` counter over the run`);
  console.log(table(rows));
  for (const [label, side] of Object.entries(results)) {
    console.log(`\n${label} (${side.commit}), by action_type (history | server):`);
    for (const p of PATHS) {
      const r = side.paths[p]!;
      console.log(`  ${p.padEnd(16)} ${JSON.stringify(r.counts)} | ${JSON.stringify(r.serverCounts ?? null)}`);
    }
  }
  console.log(`\nwrote ${writeResult('actions', results)}`);
});
