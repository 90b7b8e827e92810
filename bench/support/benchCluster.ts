// A Temporal cluster for a benchmark (dev/cluster: frontend, history, matching
// and worker as four processes, SQL visibility) on the machine's PostgreSQL
// (127.0.0.1:5432, user postgres), on two Temporal databases of this run's own
// that stop() drops again. Its service processes are found by pid (children of
// this process started with `--service <name>`) for CPU accounting.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { DEFAULT_POSTGRES, SERVICES, startCluster } from '../../dev/cluster/cluster';
import type { BenchTemporal } from './env';
import { parseCmdline, parseProcStat, temporalService } from '../../dev/support/procCpu';

export const PG_ADMIN_URL = `postgresql://${DEFAULT_POSTGRES.user}@${DEFAULT_POSTGRES.host}:${DEFAULT_POSTGRES.port}/postgres`;

export type BenchCluster = BenchTemporal & { databases: { temporal: string; visibility: string } };

export async function startBenchCluster(runDir: string, label: string): Promise<BenchCluster> {
  const tag = `${label.replace(/\W/g, '_')}_${Date.now()}`;
  const databases = { temporal: `temporal_bench_${tag}`, visibility: `temporal_vis_bench_${tag}` };
  const drop = () => dropDatabases([databases.temporal, databases.visibility]);
  const cluster = await startCluster({
    dir: path.join(runDir, 'cluster'),
    databases,
    postgres: DEFAULT_POSTGRES,
  }).catch(async (err: unknown) => {
    await drop();
    throw err;
  });
  const pids = servicePids(process.pid);
  const missing = SERVICES.filter((s) => !pids[s]);
  if (missing.length > 0) {
    await cluster.stop();
    await drop();
    throw new Error(`cluster started, but no process found for ${missing.join(', ')}`);
  }
  return {
    address: cluster.frontend,
    pids,
    databases,
    async stop() {
      await cluster.stop();
      await drop();
    },
  };
}

/** Temporal service processes among `parent`'s children, by service name. */
function servicePids(parent: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (parseProcStat(fs.readFileSync(`/proc/${entry}/stat`, 'utf8')).ppid !== parent) continue;
      const service = temporalService(parseCmdline(fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8')));
      if (service) out[service] = Number(entry);
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export async function dropDatabases(names: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    for (const db of names) await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
