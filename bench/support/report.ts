// Flags, percentiles, the summary table and the JSON result file.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './env';

/** `--name value` and `--flag` (true) from argv; unknown flags are an error so typos do not go unnoticed. */
export function parseFlags<T extends Record<string, string | number | boolean>>(
  defaults: T,
  argv = process.argv.slice(2),
): T {
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const key = arg.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown flag ${arg}; known: ${Object.keys(defaults).join(', ')}`);
    const def = defaults[key];
    if (typeof def === 'boolean') {
      out[key] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    out[key] = typeof def === 'number' ? Number(value) : value;
  }
  return out as T;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** The middle value (the mean of the two middle ones for an even count): one stalled round cannot move it. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0
    ? NaN
    : s.length % 2 === 1
      ? (s[mid] as number)
      : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export function latency(ms: number[]): LatencySummary {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), max: round(s.at(-1) ?? NaN) };
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function table(rows: Array<Record<string, string | number>>): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0] as object);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(width[i] ?? 0)).join(' | ')} |`;
  return [
    line(cols),
    `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(cols.map((c) => String(r[c] ?? '')))),
  ].join('\n');
}

export function machine(): Record<string, string | number> {
  const cpu = (() => {
    try {
      return execSync('lscpu', { encoding: 'utf8' }).match(/Model name:\s+(.*)/)?.[1] ?? os.cpus()[0]?.model ?? '?';
    } catch {
      return os.cpus()[0]?.model ?? '?';
    }
  })();
  return {
    cpus: os.cpus().length,
    cpu,
    memGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function writeResult(name: string, data: unknown): string {
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({ bench: name, at: new Date().toISOString(), machine: machine(), ...(data as object) }, null, 2),
  );
  return file;
}

/** Runs a benchmark's main, then exits (child processes and sockets must not keep it alive). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('benchmark failed:', err);
      process.exit(1);
    },
  );
}

export interface Growth {
  /** b in time ∝ n^b, least squares on log-log over all sizes. */
  exponent: number;
  /** Exponent between each pair of consecutive sizes, to spot where a curve bends. */
  steps: number[];
  verdict: 'sub-linear' | 'linear' | 'super-linear';
}

/** How time grows with size, from [size, seconds] pairs. b ≈ 1 linear; b > 1.2 is flagged super-linear. */
export function growth(points: Array<[number, number]>): Growth {
  const xs = points.map(([n]) => Math.log(n));
  const ys = points.map(([, t]) => Math.log(t));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] as number) - my);
    den += (x - mx) ** 2;
  });
  const exponent = round(num / den, 2);
  const steps = points.slice(1).map(([n, t], i) => {
    const [n0, t0] = points[i] as [number, number];
    return round(Math.log(t / t0) / Math.log(n / n0), 2);
  });
  return { exponent, steps, verdict: exponent > 1.2 ? 'super-linear' : exponent < 0.8 ? 'sub-linear' : 'linear' };
}
