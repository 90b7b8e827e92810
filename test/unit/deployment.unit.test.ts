// The deployment files hold together: docker-compose.yml validates with
// Debian's docker-compose (`config`, no engine needed), starts in dependency
// order behind health checks, and refuses to start without an encryption key;
// the image builds the workflow bundle and runs as a non-root user.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

function findDockerCompose(): string {
  const found = spawnSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error(
      'docker-compose is not installed, so docker-compose.yml cannot be validated. ' +
        "Run `bash scripts/ensure-deps.sh` as root (it installs Debian's docker-compose with apt-get) or `apt-get install docker-compose`.",
    );
  }
  return found;
}

function compose(args: string[], env: Record<string, string>) {
  const bin = findDockerCompose();
  const { SYNCLINE_ENCRYPTION_KEY: _ignored, ...inherited } = process.env;
  return spawnSync(bin, ['-f', COMPOSE_FILE, ...args], { cwd: ROOT, env: { ...inherited, ...env }, encoding: 'utf8' });
}

/** The block of one service in `docker-compose config` output (two-space indented keys). */
function serviceBlock(config: string, name: string): string {
  const lines = config.split('\n');
  const start = lines.findIndex((l) => l === `  ${name}:`);
  if (start < 0) throw new Error(`service ${name} not in the resolved config`);
  const end = lines.findIndex((l, i) => i > start && /^ {2}\S/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

// Each docker-compose run takes a few seconds on a 2-core machine.
describe('docker-compose.yml', { timeout: 30_000 }, () => {
  const KEY = { SYNCLINE_ENCRYPTION_KEY: 'dGVzdC1vbmx5LWtleS1mb3ItY29tcG9zZS1jb25maWc=' };

  it('validates with docker-compose config', () => {
    const res = compose(['config', '-q'], KEY);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('runs postgres, the schema job, Temporal, the namespace job, its Web UI, the API and the worker', () => {
    const res = compose(['config', '--services'], KEY);
    expect(res.stdout.trim().split('\n').sort()).toEqual([
      'api',
      'postgres',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
  });

  it('starts each part only when what it needs is healthy', () => {
    const config = compose(['config'], KEY).stdout;
    for (const service of ['postgres', 'temporal', 'api', 'worker'])
      expect(serviceBlock(config, service)).toContain('healthcheck:');
    expect(serviceBlock(config, 'temporal-schema')).toMatch(/postgres:\n\s+condition: service_healthy/);
    expect(serviceBlock(config, 'temporal')).toMatch(/temporal-schema:\n\s+condition: service_completed_successfully/);
    expect(serviceBlock(config, 'temporal-namespace')).toMatch(/temporal:\n\s+condition: service_healthy/);
    for (const service of ['api', 'worker']) {
      const block = serviceBlock(config, service);
      expect(block).toMatch(/postgres:\n\s+condition: service_healthy/);
      expect(block).toMatch(/temporal:\n\s+condition: service_healthy/);
      expect(block).toMatch(/temporal-namespace:\n\s+condition: service_completed_successfully/);
      expect(block).toContain('/readyz');
    }
    // The API's readiness is probed on its ops port, which is not published to the host.
    expect(serviceBlock(config, 'api')).toContain('http://127.0.0.1:3001/readyz');
    expect(serviceBlock(config, 'api')).not.toMatch(/3001:3001/);
    // The worker's prebuilt bundle and its metrics/health server.
    expect(serviceBlock(config, 'worker')).toContain('WORKFLOW_BUNDLE_PATH: /app/dist/workflow-bundle.js');
  });

  it('refuses to start without an encryption key', () => {
    const res = compose(['config', '-q'], {});
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('SYNCLINE_ENCRYPTION_KEY');
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

  it('is multi-stage, prebuilds the workflow bundle and the Prisma client, and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toContain('npm run build:workflows');
    expect(dockerfile).toContain('node_modules/prisma/build/index.js generate');
    const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(lastStage).toMatch(/^USER node$/m);
  });

  it('builds with an npm script that exists', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['build:workflows']).toBeDefined();
    expect(fs.existsSync(path.join(ROOT, 'scripts/build-workflows.ts'))).toBe(true);
  });

  it('runs on the same current Node.js LTS the test command makes a second pass on', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const image = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.(\d+)-/m.exec(dockerfile);
    const pinned = /^VERSION="(\d+)\.(\d+)\.(\d+)"/m.exec(
      fs.readFileSync(path.join(ROOT, 'scripts/ensure-node.sh'), 'utf8'),
    );
    expect(image?.slice(1)).toEqual(pinned?.slice(1));
    expect(Number(pinned?.[1])).toBeGreaterThanOrEqual(24);
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS /gm)).toHaveLength(2);
  });
});
