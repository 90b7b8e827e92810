// Load during one measured span (Linux): CPU of named processes and of every
// PostgreSQL process (grouped by the database a backend serves) from /proc,
// sampled every second; the whole machine's CPU from /proc/stat; and, from
// PostgreSQL itself, pg_stat_database counters and connections of chosen
// databases plus the server's WAL bytes. Pure parsing is in procCpu.ts.
// pg_stat_database lags: a backend flushes its counters at most once a second
// (and up to 10 s later when it goes idle), so a span's last second can land in the next.
import fs from 'node:fs';
import os from 'node:os';
import type pg from 'pg';
import { counterDeltas, type PgCounters } from '../../dev/support/shapeRatios';
import {
  CpuAccount,
  TICKS_PER_SEC,
  parseCmdline,
  parseMachineCpu,
  parseProcStat,
  postgresRole,
  type CpuSample,
} from '../../dev/support/procCpu';

const SAMPLE_MS = 1_000;
export const PG_SERVER_GROUP = 'pg: server (wal, checkpoints)';

export interface MonitorTargets {
  /** group → pids (Temporal's services, syncline's processes, this process...). */
  processes: Record<string, number[]>;
  /** The group of a PostgreSQL backend, by its database. */
  pgGroup(database: string): string;
  /** label → databases whose counters and connections are reported under that label. */
  pgDatabases: Record<string, string[]>;
}

export interface SpanLoad {
  seconds: number;
  /** Whole machine, ticks busy over the span (all cores). */
  machineBusyTicks: number;
  /** CPU ticks per group. */
  cpuTicks: Record<string, number>;
  /** Counter growth per label of pgDatabases. */
  pg: Record<string, PgCounters>;
  /** Connections per label: the most seen in one sample, and the mean over samples. */
  connections: Record<string, { max: number; mean: number }>;
  walBytes: number;
}

type Snapshot = { counters: Record<string, PgCounters>; walBytes: number };

const readText = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
};

function bootTicks(): number {
  return Math.floor(Number(readText('/proc/uptime')?.split(' ')[0] ?? 0) * TICKS_PER_SEC);
}

export class LoadMonitor {
  /** PostgreSQL titles do not change user or database: read each process's once. */
  private readonly roles = new Map<string, ReturnType<typeof postgresRole>>();

  constructor(private readonly admin: pg.Client) {}

  /** Starts a span; the returned stop() ends it and gives what it measured. */
  async start(targets: MonitorTargets): Promise<{ stop(): Promise<SpanLoad> }> {
    const allDbs = Object.values(targets.pgDatabases).flat();
    const before = await this.snapshot(allDbs);
    const account = new CpuAccount(bootTicks());
    const machine0 = parseMachineCpu(fs.readFileSync('/proc/stat', 'utf8'));
    const t0 = performance.now();
    const conns: Array<Record<string, number>> = [];
    let pending: Promise<void> = Promise.resolve();
    const sample = async () => {
      account.observe(this.processSamples(targets));
      conns.push(await this.connections(targets.pgDatabases));
    };
    await sample();
    const timer = setInterval(() => {
      pending = pending.then(sample).catch(() => undefined);
    }, SAMPLE_MS);
    return {
      stop: async () => {
        clearInterval(timer);
        await pending;
        await sample();
        const seconds = (performance.now() - t0) / 1000;
        const machine1 = parseMachineCpu(fs.readFileSync('/proc/stat', 'utf8'));
        const after = await this.snapshot(allDbs);
        const labels = Object.keys(targets.pgDatabases);
        return {
          seconds,
          machineBusyTicks: machine1.busyTicks - machine0.busyTicks,
          cpuTicks: account.totals(),
          pg: Object.fromEntries(
            labels.map((l) => [l, counterDeltas(before.counters, after.counters, targets.pgDatabases[l]!)]),
          ),
          connections: Object.fromEntries(
            labels.map((l) => {
              const seen = conns.map((c) => c[l] ?? 0);
              return [l, { max: Math.max(...seen), mean: seen.reduce((a, b) => a + b, 0) / seen.length }];
            }),
          ),
          walBytes: after.walBytes - before.walBytes,
        };
      },
    };
  }

  private processSamples(targets: MonitorTargets): CpuSample[] {
    const out: CpuSample[] = [];
    for (const [group, pids] of Object.entries(targets.processes))
      for (const pid of pids) {
        const text = readText(`/proc/${pid}/stat`);
        if (text) out.push({ ...parseProcStat(text), group });
      }
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const text = readText(`/proc/${entry}/stat`);
      if (!text) continue;
      const stat = parseProcStat(text);
      if (stat.comm !== 'postgres') continue;
      const key = `${stat.pid}:${stat.startTicks}`;
      let role = this.roles.get(key);
      if (!role) {
        const cmdline = readText(`/proc/${entry}/cmdline`);
        if (cmdline === undefined) continue;
        role = postgresRole(parseCmdline(cmdline));
        this.roles.set(key, role);
      }
      out.push({ ...stat, group: role.kind === 'backend' ? targets.pgGroup(role.database) : PG_SERVER_GROUP });
    }
    return out;
  }

  private async snapshot(databases: string[]): Promise<Snapshot> {
    const rows = await this.admin.query<{ datname: string; c: string; i: string; u: string; d: string }>(
      `SELECT datname, xact_commit AS c, tup_inserted AS i, tup_updated AS u, tup_deleted AS d
         FROM pg_stat_database WHERE datname = ANY($1)`,
      [databases],
    );
    const wal = await this.admin.query<{ b: string }>('SELECT wal_bytes AS b FROM pg_stat_wal');
    return {
      counters: Object.fromEntries(
        rows.rows.map((r) => [
          r.datname,
          { xactCommit: Number(r.c), tupInserted: Number(r.i), tupUpdated: Number(r.u), tupDeleted: Number(r.d) },
        ]),
      ),
      walBytes: Number(wal.rows[0]?.b ?? 0),
    };
  }

  private async connections(byLabel: Record<string, string[]>): Promise<Record<string, number>> {
    const rows = await this.admin.query<{ datname: string; n: string }>(
      'SELECT datname, count(*) AS n FROM pg_stat_activity WHERE datname IS NOT NULL GROUP BY datname',
    );
    const per = new Map(rows.rows.map((r) => [r.datname, Number(r.n)]));
    return Object.fromEntries(
      Object.entries(byLabel).map(([label, dbs]) => [label, dbs.reduce((s, db) => s + (per.get(db) ?? 0), 0)]),
    );
  }
}

/** Cores of this machine: a span's machine-wide busy share is out of cores × 100%. */
export const CORES = os.cpus().length;
