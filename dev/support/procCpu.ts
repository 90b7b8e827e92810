// Pure helpers for CPU accounting from Linux /proc text (no file access here;
// bench/support/loadMonitor.ts reads the files; bench:cluster uses them). Times are clock ticks
// (USER_HZ, 100 per second on Linux x64) unless a name says ms.

/** Clock ticks per second of /proc's CPU times (getconf CLK_TCK; fixed at 100 on Linux x64). */
export const TICKS_PER_SEC = 100;

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime. */
  cpuTicks: number;
  /** When the process started, in ticks since boot: with pid, it tells a reused pid apart. */
  startTicks: number;
}

/** One /proc/<pid>/stat line. The command name is in parentheses and may itself hold spaces and ")". */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  // Fields after ")" start at field 3 (state); utime, stime are 14, 15; starttime is 22.
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: field(4),
    cpuTicks: field(14) + field(15),
    startTicks: field(22),
  };
}

export interface MachineCpu {
  busyTicks: number;
  totalTicks: number;
}

/** The aggregate "cpu" line of /proc/stat: busy is everything but idle and iowait (guest time is already in user). */
export function parseMachineCpu(procStat: string): MachineCpu {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in /proc/stat');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busyTicks = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return { busyTicks, totalTicks: busyTicks + (idle ?? 0) + (iowait ?? 0) };
}

/** /proc/<pid>/cmdline: arguments separated by NUL. Empty ones are dropped (a retitled process pads with NULs). */
export function parseCmdline(raw: string): string[] {
  return raw.split('\0').filter((a) => a !== '');
}

/**
 * The service of a `temporal-server ... start --service <name>` process, else undefined.
 * The program must be temporal-server: tsx's esbuild child runs as `esbuild --service=0.28.2`.
 */
export function temporalService(args: string[]): string | undefined {
  if (!/(^|\/)temporal-server$/.test(args[0] ?? '')) return undefined;
  const i = args.indexOf('--service');
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith('--service='))?.slice('--service='.length);
}

export type PostgresRole = { kind: 'backend'; user: string; database: string } | { kind: 'server'; name: string };

/**
 * What a PostgreSQL process is, from the title it sets (update_process_title):
 * a backend reads `postgres: [<cluster_name>: ]<user> <database> <host>(<port>) <activity>`
 * (or `[local]`); anything else (postmaster, checkpointer, walwriter, ...) is the server's own.
 */
export function postgresRole(args: string[]): PostgresRole {
  const title = args.join(' ').trim();
  const m = /^postgres: (?:\S+: )?(\S+) (\S+) (?:\S+\(\d+\)|\[local\])(?: |$)/.exec(title);
  if (m) return { kind: 'backend', user: m[1]!, database: m[2]! };
  return { kind: 'server', name: title.replace(/^postgres: (?:\S+: )?/, '') };
}

export interface CpuSample {
  pid: number;
  startTicks: number;
  cpuTicks: number;
  group: string;
}

/**
 * CPU ticks per group over a phase, from repeated samples. A process seen for the
 * first time counts whole when it started after the phase did (a new PostgreSQL
 * backend), else from that first sample on. CPU a process used between its last
 * sample and its exit is lost: sample often enough that this stays small.
 */
export class CpuAccount {
  private readonly last = new Map<string, number>();
  private readonly ticks = new Map<string, number>();

  constructor(private readonly phaseStartTicks: number) {}

  observe(samples: CpuSample[]): void {
    for (const s of samples) {
      const key = `${s.pid}:${s.startTicks}`;
      const before = this.last.get(key) ?? (s.startTicks >= this.phaseStartTicks ? 0 : s.cpuTicks);
      this.last.set(key, s.cpuTicks);
      this.ticks.set(s.group, (this.ticks.get(s.group) ?? 0) + Math.max(0, s.cpuTicks - before));
    }
  }

  /** Ticks per group; a group sampled but idle is present with 0. */
  totals(): Record<string, number> {
    return Object.fromEntries(this.ticks);
  }
}

/** Mean CPU use over a span, in % of one core (200% is both cores of these machines). */
export function cpuPercent(ticks: number, spanMs: number): number {
  return spanMs > 0 ? (ticks * (1000 / TICKS_PER_SEC) * 100) / spanMs : NaN;
}

/** CPU ms per unit of work (per event, per 1,000 records). */
export function cpuMsPer(ticks: number, units: number): number {
  return units > 0 ? (ticks * 1000) / TICKS_PER_SEC / units : NaN;
}
