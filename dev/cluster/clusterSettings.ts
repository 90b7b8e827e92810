// The Temporal settings both production-shaped deployments share: version pins
// from .env (docker compose reads it) and server/namespace settings from
// deploy/temporal/temporal.env (docker-compose.yml's env_file). Cluster mode
// reads them here, so it runs what the compose file runs.
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const TEMPORAL_DEPLOY_DIR = path.join(ROOT, 'deploy/temporal');
export const SHARED_SETTINGS_FILE = path.join(TEMPORAL_DEPLOY_DIR, 'temporal.env');
export const VERSION_PINS_FILE = path.join(ROOT, '.env');
/** Run by docker-compose.yml's one-shot admin-tools jobs and by cluster mode alike. */
export const SCHEMA_SCRIPT = path.join(TEMPORAL_DEPLOY_DIR, 'setup-schema.sh');
export const NAMESPACE_SCRIPT = path.join(TEMPORAL_DEPLOY_DIR, 'setup-namespace.sh');

/** `KEY=value` lines of an env file; comments and blank lines skipped; no quoting (docker-compose 1.x keeps quotes). */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${file}: not a KEY=value line: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export interface SharedTemporalSettings {
  /** As the server's config and the temporalio/server image name them (DB, DBNAME, NUM_HISTORY_SHARDS, ...). */
  env: Record<string, string>;
  historyShards: number;
  namespace: string;
  retention: string;
  searchAttributes: string[];
  /** The dynamic config file in this repository that both deployments load. */
  dynamicConfigFile: string;
}

export function sharedTemporalSettings(): SharedTemporalSettings {
  const env = readEnvFile(SHARED_SETTINGS_FILE);
  const need = (k: string) => {
    const v = env[k];
    if (!v) throw new Error(`${SHARED_SETTINGS_FILE}: ${k} is not set`);
    return v;
  };
  // The image resolves DYNAMIC_CONFIG_FILE_PATH under /etc/temporal, where compose mounts
  // deploy/temporal/dynamicconfig as config/dynamicconfig.
  const dynamic = need('DYNAMIC_CONFIG_FILE_PATH');
  if (!dynamic.startsWith('config/dynamicconfig/'))
    throw new Error(`${SHARED_SETTINGS_FILE}: DYNAMIC_CONFIG_FILE_PATH must be under config/dynamicconfig/`);
  return {
    env,
    historyShards: Number(need('NUM_HISTORY_SHARDS')),
    namespace: need('DEFAULT_NAMESPACE'),
    retention: need('DEFAULT_NAMESPACE_RETENTION'),
    searchAttributes: need('SYNCLINE_SEARCH_ATTRIBUTES').split(','),
    dynamicConfigFile: path.join(TEMPORAL_DEPLOY_DIR, dynamic.slice('config/'.length)),
  };
}

export interface VersionPins {
  server: string;
  adminTools: string;
  ui: string;
}

export function versionPins(): VersionPins {
  const pins = readEnvFile(VERSION_PINS_FILE);
  return {
    server: pins.TEMPORAL_VERSION ?? '',
    adminTools: pins.TEMPORAL_ADMINTOOLS_VERSION ?? '',
    ui: pins.TEMPORAL_UI_VERSION ?? '',
  };
}
