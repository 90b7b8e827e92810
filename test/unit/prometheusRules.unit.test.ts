// The Prometheus alert rules in deploy/prometheus pass promtool's own checks
// and its rule unit tests (syncline-rules.test.yml: each alert fires on the
// series that should fire it, and stays quiet on a healthy neighbour).
// promtool is Prometheus's tool, built by scripts/ensure-promtool.sh.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const RULES_DIR = path.join(ROOT, 'deploy/prometheus');

function promtool(): string {
  const candidates = [process.env.PROMTOOL_PATH, path.join(ROOT, '.tools/bin/promtool')];
  const found = candidates.find((c) => c && fs.existsSync(c));
  if (found) return found;
  const onPath = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  throw new Error('promtool is not installed: run `bash scripts/ensure-test-deps.sh` (it builds it with Go)');
}

function run(args: string[]) {
  const r = spawnSync(promtool(), args, { cwd: RULES_DIR, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('Prometheus alert rules', { timeout: 60_000 }, () => {
  it('pass promtool check rules', () => {
    const r = run(['check', 'rules', 'syncline-rules.yml']);
    expect(r.out).toContain('SUCCESS: 7 rules found');
    expect(r.code).toBe(0);
  });

  it('pass their promtool unit tests, one per alert at least', () => {
    const tests = fs.readFileSync(path.join(RULES_DIR, 'syncline-rules.test.yml'), 'utf8');
    const rules = fs.readFileSync(path.join(RULES_DIR, 'syncline-rules.yml'), 'utf8');
    for (const [, name] of rules.matchAll(/- alert: (\w+)/g)) expect(tests, name).toContain(`alertname: ${name}`);
    const r = run(['test', 'rules', 'syncline-rules.test.yml']);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('fail their unit tests when a rule is broken (the tests can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-rules-'));
    try {
      const broken = fs.readFileSync(path.join(RULES_DIR, 'syncline-rules.yml'), 'utf8').replace('> 0.05', '> 0.5');
      fs.writeFileSync(path.join(dir, 'syncline-rules.yml'), broken);
      fs.copyFileSync(path.join(RULES_DIR, 'syncline-rules.test.yml'), path.join(dir, 'syncline-rules.test.yml'));
      const r = spawnSync(promtool(), ['test', 'rules', 'syncline-rules.test.yml'], { cwd: dir, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain('SynclineWebhooksUnavailable');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
