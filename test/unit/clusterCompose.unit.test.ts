// docker-compose.yml and cluster mode (`npm run cluster`, dev/cluster) run the
// same Temporal: the same image versions as the binaries cluster mode builds,
// the same server settings (deploy/temporal/temporal.env), the same dynamic
// config file, the same schema and namespace scripts, the same search
// attributes as the code sets. Each check reads what docker-compose itself
// resolves (`docker-compose config`, parsed with the PyYAML it ships with).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NAMESPACE_SCRIPT,
  ROOT,
  SCHEMA_SCRIPT,
  TEMPORAL_DEPLOY_DIR,
  sharedTemporalSettings,
  versionPins,
} from '../../dev/cluster/clusterSettings';
import { SEARCH_ATTRIBUTE_NAMES } from '../../src/temporal/searchAttributes';

/** docker-compose 1.x prints volumes and ports in their short form. */
interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  entrypoint?: string[];
  command?: string[];
  ports?: string[];
  restart?: string;
}

function volumes(s: ComposeService) {
  return (s.volumes ?? []).map((v) => {
    const [source = '', target = '', mode] = v.split(':');
    return { source, target, readOnly: mode === 'ro' };
  });
}

/** `127.0.0.1:7233:7233/tcp` -> host IP `127.0.0.1`; `3000:3000` -> none (all interfaces). */
function hostIp(port: string): string | undefined {
  const parts = port.split(':');
  return parts.length === 3 ? parts[0] : undefined;
}

function resolvedCompose(): Record<string, ComposeService> {
  const { SYNCLINE_ENCRYPTION_KEY: _ignored, ...env } = process.env;
  const config = spawnSync('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), 'config'], {
    cwd: ROOT,
    env: { ...env, SYNCLINE_ENCRYPTION_KEY: 'dGVzdC1vbmx5LWtleS1mb3ItY29tcG9zZS1jb25maWc=' },
    encoding: 'utf8',
  });
  if (config.status !== 0) throw new Error(`docker-compose config failed: ${config.stderr}`);
  const json = spawnSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], {
    input: config.stdout,
    encoding: 'utf8',
  });
  if (json.status !== 0) throw new Error(`could not parse docker-compose config: ${json.stderr}`);
  return (JSON.parse(json.stdout) as { services: Record<string, ComposeService> }).services;
}

describe('docker-compose.yml and cluster mode run the same Temporal', { timeout: 30_000 }, () => {
  const services = resolvedCompose();
  const shared = sharedTemporalSettings();
  const pins = versionPins();
  const svc = (name: string) => {
    const s = services[name];
    if (!s) throw new Error(`no service ${name} in docker-compose.yml`);
    return s;
  };

  it('pins the server, admin-tools and UI images to the versions cluster mode builds', () => {
    expect(svc('temporal').image).toBe(`temporalio/server:${pins.server}`);
    expect(svc('temporal-schema').image).toBe(`temporalio/admin-tools:${pins.adminTools}`);
    expect(svc('temporal-namespace').image).toBe(`temporalio/admin-tools:${pins.adminTools}`);
    expect(svc('temporal-ui').image).toBe(`temporalio/ui:${pins.ui}`);
    // admin-tools tags start with the server version they carry the schema of.
    expect(pins.adminTools.startsWith(`${pins.server}-`) || pins.adminTools === pins.server).toBe(true);
    const build = fs.readFileSync(path.join(ROOT, 'scripts/ensure-temporal-cluster.sh'), 'utf8');
    expect(build).toContain('go.temporal.io/server/cmd/server@$SERVER_VERSION');
    expect(build).toContain('github.com/temporalio/ui-server/v2/cmd/server@$UI_VERSION');
    expect(build).toMatch(/SERVER_VERSION="v\$\(pin TEMPORAL_VERSION\)"/);
    expect(build).toMatch(/UI_VERSION="v\$\(pin TEMPORAL_UI_VERSION\)"/);
  });

  it('gives the server and both setup jobs every setting of deploy/temporal/temporal.env', () => {
    for (const name of ['temporal', 'temporal-schema', 'temporal-namespace'])
      expect(svc(name).environment, name).toMatchObject(shared.env);
    expect(shared.historyShards).toBeGreaterThanOrEqual(4);
  });

  it('renders cluster mode’s server config from the same settings', () => {
    const template = fs.readFileSync(path.join(TEMPORAL_DEPLOY_DIR, 'config/cluster.yaml'), 'utf8');
    expect(template.split('\n').slice(0, 3).join('\n')).toContain('# enable-template');
    for (const key of ['NUM_HISTORY_SHARDS', 'DB', 'DBNAME', 'VISIBILITY_DBNAME', 'DYNAMIC_CONFIG_FILE'])
      expect(template).toContain(`{{ env "${key}" }}`);
    expect(template).toMatch(/numHistoryShards: \{\{ env "NUM_HISTORY_SHARDS" \}\}/);
    expect(template).toMatch(/visibilityStore: visibility\n/);
  });

  it('loads the one dynamic config file of this repository in both', () => {
    const mount = volumes(svc('temporal')).find((v) => v.target === '/etc/temporal/config/dynamicconfig');
    expect(mount?.source).toBe(path.join(TEMPORAL_DEPLOY_DIR, 'dynamicconfig'));
    expect(path.dirname(shared.dynamicConfigFile)).toBe(mount?.source);
    expect(svc('temporal').environment?.DYNAMIC_CONFIG_FILE_PATH).toBe(
      `config/dynamicconfig/${path.basename(shared.dynamicConfigFile)}`,
    );
    expect(fs.existsSync(shared.dynamicConfigFile)).toBe(true);
  });

  it('sets up the schema and the namespace with the scripts cluster mode runs', () => {
    const scripts = (name: string) => {
      const s = svc(name);
      const mount = volumes(s).find((v) => v.source === TEMPORAL_DEPLOY_DIR);
      expect(mount?.readOnly).toBe(true);
      const command = s.command?.[0] ?? '';
      return path.join(TEMPORAL_DEPLOY_DIR, path.relative(mount!.target, command));
    };
    expect(scripts('temporal-schema')).toBe(SCHEMA_SCRIPT);
    expect(scripts('temporal-namespace')).toBe(NAMESPACE_SCRIPT);
    // One-shot jobs that are retried when they fail, not restarted when they succeed.
    expect(svc('temporal-schema').restart).toMatch(/^on-failure/);
    expect(svc('temporal-namespace').restart).toMatch(/^on-failure/);
  });

  it('registers exactly the search attributes syncline sets', () => {
    expect(shared.searchAttributes).toEqual([...SEARCH_ATTRIBUTE_NAMES]);
  });

  it('publishes Temporal and its Web UI on loopback only', () => {
    for (const name of ['temporal', 'temporal-ui', 'postgres', 'temporal-schema', 'temporal-namespace'])
      for (const p of svc(name).ports ?? []) expect(hostIp(p), `${name} publishes ${p}`).toBe('127.0.0.1');
    expect(svc('temporal').ports).toEqual(['127.0.0.1:7233:7233/tcp']);
    expect(svc('temporal-ui').ports).toEqual(['127.0.0.1:8080:8080/tcp']);
  });

  it('keeps syncline off Temporal’s database login', () => {
    const appDb = new URL(svc('api').environment?.DATABASE_URL ?? '');
    expect(appDb.username).toBe('syncline');
    expect(appDb.pathname).toBe('/syncline');
    expect(svc('temporal').environment?.POSTGRES_USER).not.toBe(appDb.username);
    expect(svc('worker').environment?.DATABASE_URL).toBe(svc('api').environment?.DATABASE_URL);
  });
});
