// An older commit of this repository, checked out beside the current one so a
// benchmark can run its API and worker (bench:compare). The checkout is a
// detached git worktree under .data/compare/<sha> (gitignored, reused by later
// runs at the same commit). Its node_modules is a symlink to ours when the two
// package-lock.json files are identical, else its own `npm ci`; its Prisma client
// is copied from ours when the schema and lock are identical, else generated
// (offline, as scripts/ensure-deps.sh does).
//   git worktree remove --force .data/compare/<sha>   removes one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './env';

export interface Checkout {
  ref: string;
  sha: string;
  root: string;
  /** How its node_modules was provided. */
  modules: 'symlink' | 'npm ci' | 'existing';
  /** Its package-lock.json is ours: the same packages (and the same workflow bundler) run on both sides. */
  sameLock: boolean;
}

const git = (...args: string[]): string => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

const same = (a: string, b: string): boolean =>
  fs.existsSync(a) && fs.existsSync(b) && fs.readFileSync(a).equals(fs.readFileSync(b));

/** The commit to compare with by default: where this branch left main (HEAD itself when on main). */
export function defaultBaseRef(): string {
  return git('merge-base', 'HEAD', 'main');
}

export function prepareCheckout(ref: string, log: (line: string) => void = console.log): Checkout {
  const sha = git('rev-parse', '--verify', `${ref}^{commit}`);
  const root = path.join(ROOT, '.data', 'compare', sha.slice(0, 12));
  if (!fs.existsSync(path.join(root, 'package.json'))) {
    fs.mkdirSync(path.dirname(root), { recursive: true });
    git('worktree', 'prune');
    git('worktree', 'add', '--detach', '--force', root, sha);
    log(`checked out ${ref} (${sha.slice(0, 12)}) at ${path.relative(ROOT, root)}`);
  }
  const modulesDir = path.join(root, 'node_modules');
  let modules: Checkout['modules'] = 'existing';
  const sameLock = same(path.join(ROOT, 'package-lock.json'), path.join(root, 'package-lock.json'));
  if (!fs.existsSync(modulesDir)) {
    if (sameLock) {
      fs.symlinkSync(path.join(ROOT, 'node_modules'), modulesDir, 'dir');
      modules = 'symlink';
    } else {
      log(`package-lock.json differs at ${sha.slice(0, 12)}: npm ci there (a few minutes)`);
      execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
      modules = 'npm ci';
    }
  }
  const generated = path.join(root, 'src', 'generated', 'prisma');
  if (!fs.existsSync(generated)) {
    const sameClient =
      modules === 'symlink' &&
      same(path.join(ROOT, 'prisma', 'schema.prisma'), path.join(root, 'prisma', 'schema.prisma'));
    if (sameClient) fs.cpSync(path.join(ROOT, 'src', 'generated', 'prisma'), generated, { recursive: true });
    else
      execFileSync('node', ['node_modules/prisma/build/index.js', 'generate'], {
        cwd: root,
        env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, 'package.json') },
        stdio: 'ignore',
      });
  }
  return { ref, sha, root, modules, sameLock };
}
