// CPU time by component over a stretch of a benchmark, from /proc (Linux): named
// child processes, this process (load generator, partner simulator, polling) and
// every `postgres` process on the machine together (PostgreSQL is shared: other
// work on the same server lands in that figure; a backend that exits between two
// readings takes its time with it).
import fs from 'node:fs';
import { cpuMs } from './processes';

export type CpuReading = Record<string, number>;

function postgresCpuMs(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      total += cpuMs(Number(entry));
    } catch {
      // Gone between listing and reading.
    }
  }
  return total;
}

export class CpuMeter {
  constructor(private readonly pids: Record<string, number>) {}

  read(): CpuReading {
    const own = process.cpuUsage();
    const out: CpuReading = { bench: (own.user + own.system) / 1000, postgres: postgresCpuMs() };
    for (const [name, pid] of Object.entries(this.pids)) {
      try {
        out[name] = cpuMs(pid);
      } catch {
        out[name] = NaN;
      }
    }
    return out;
  }

  /** CPU ms each component used between two readings. */
  static delta(before: CpuReading, after: CpuReading): CpuReading {
    return Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? NaN) - (before[k] ?? NaN)]));
  }
}
