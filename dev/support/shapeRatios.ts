// Pure maths of bench:cluster: rates per Temporal shape over alternating rounds,
// cluster ÷ dev-server ratios, and PostgreSQL counter rates from two snapshots
// of pg_stat_database.

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One round's work: units done (events, records) in seconds. */
export interface Measured {
  units: number;
  seconds: number;
}

export interface ShapeComparison {
  /** units/s over all rounds of a shape: units summed over seconds summed. */
  dev: number;
  cluster: number;
  /** cluster ÷ dev of those rates. */
  ratio: number;
  /** cluster ÷ dev within each round (the shapes' phases of one round ran minutes apart at most). */
  roundRatios: number[];
  /** The median of roundRatios: one stalled phase cannot move it. */
  medianRoundRatio: number;
}

/** a ÷ b, or NaN when b is not a positive number (nothing measured is not a ratio of 0 or ∞). */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN;
}

export function rate(parts: Measured[]): number {
  const seconds = parts.reduce((s, p) => s + p.seconds, 0);
  return ratio(
    parts.reduce((s, p) => s + p.units, 0),
    seconds,
  );
}

export function compareRates(dev: Measured[], cluster: Measured[]): ShapeComparison {
  const roundRatios = cluster
    .slice(0, dev.length)
    .map((c, i) => round(ratio(rate([c]), rate([dev[i]!])), 2))
    .filter((r) => !Number.isNaN(r));
  const devRate = rate(dev);
  const clusterRate = rate(cluster);
  return {
    dev: round(devRate),
    cluster: round(clusterRate),
    ratio: round(ratio(clusterRate, devRate), 2),
    roundRatios,
    medianRoundRatio: round(median(roundRatios), 2),
  };
}

/** The pg_stat_database counters bench:cluster reports. */
export interface PgCounters {
  xactCommit: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
}

const COUNTERS: Array<keyof PgCounters> = ['xactCommit', 'tupInserted', 'tupUpdated', 'tupDeleted'];

/**
 * How much each counter grew between two snapshots, summed over `databases`.
 * A database missing from `before` (created in between) counts from zero; one
 * missing from `after` (dropped) counts nothing; a counter that went down (stats
 * reset) counts nothing.
 */
export function counterDeltas(
  before: Record<string, PgCounters>,
  after: Record<string, PgCounters>,
  databases: string[],
): PgCounters {
  const out = zeroCounters();
  for (const db of databases) {
    const a = after[db];
    if (!a) continue;
    for (const k of COUNTERS) out[k] += Math.max(0, a[k] - (before[db]?.[k] ?? 0));
  }
  return out;
}

export function zeroCounters(): PgCounters {
  return { xactCommit: 0, tupInserted: 0, tupUpdated: 0, tupDeleted: 0 };
}

export function addCounters(a: PgCounters, b: PgCounters): PgCounters {
  return Object.fromEntries(COUNTERS.map((k) => [k, a[k] + b[k]])) as unknown as PgCounters;
}

/** Counters per second over a span, rounded to 0.1. */
export function perSecond(c: PgCounters, seconds: number): PgCounters {
  return Object.fromEntries(COUNTERS.map((k) => [k, round(ratio(c[k], seconds))])) as unknown as PgCounters;
}
