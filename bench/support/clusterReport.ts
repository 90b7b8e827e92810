// bench:cluster's tables: throughput per Temporal shape with cluster ÷ dev-server
// ratios, where the CPU went (Temporal per service, PostgreSQL by database,
// syncline, the load generator), and PostgreSQL's load from pg_stat_database.
import {
  addCounters,
  compareRates,
  perSecond,
  ratio,
  zeroCounters,
  type Measured,
} from '../../dev/support/shapeRatios';
import { CORES, PG_SERVER_GROUP, type SpanLoad } from './loadMonitor';
import { cpuMsPer, cpuPercent } from '../../dev/support/procCpu';
import { latency, round, table } from './report';

export type Shape = 'dev' | 'cluster';
export type Bench = 'idle' | 'ack' | 'start' | 'e2e' | 'reconcile';

export interface Run {
  shape: Shape;
  bench: Bench;
  round: number;
  /** Work done: 202s, starts, events processed, records seen (0 for idle). */
  units: number;
  seconds: number;
  load: SpanLoad;
  extra: {
    latenciesMs?: number[];
    statuses?: Record<string, number>;
    /** reconcile: the plain loop (no Temporal) on the same records, just before. */
    plain?: Measured;
    rows?: number;
    status?: string;
  };
}

const UNIT: Record<Bench, [string, number]> = {
  idle: ['', 1],
  ack: ['webhook', 1],
  start: ['start', 1],
  e2e: ['event', 1],
  reconcile: ['1k records', 1000],
};
const MEASURE: Record<Bench, string> = {
  idle: '',
  ack: 'webhooks/s (202)',
  start: 'raw starts/s',
  e2e: 'events/s end to end',
  reconcile: 'records/s (workflow)',
};
const TEMPORAL_PREFIX = 'temporal ';

/** Spans of one bench and shape taken as one: ticks, seconds and counters summed. */
function merge(runs: Run[]) {
  const cpu: Record<string, number> = {};
  let pg: Record<string, ReturnType<typeof zeroCounters>> = {};
  const conns: Record<string, { max: number; mean: number }> = {};
  let spanSeconds = 0;
  for (const r of runs) {
    for (const [g, t] of Object.entries(r.load.cpuTicks)) cpu[g] = (cpu[g] ?? 0) + t;
    for (const [label, c] of Object.entries(r.load.pg))
      pg = { ...pg, [label]: addCounters(pg[label] ?? zeroCounters(), c) };
    for (const [label, c] of Object.entries(r.load.connections)) {
      const prev = conns[label] ?? { max: 0, mean: 0 };
      conns[label] = {
        max: Math.max(prev.max, c.max),
        mean: prev.mean + c.mean * r.load.seconds, // weighted; divided below
      };
    }
    spanSeconds += r.load.seconds;
  }
  for (const c of Object.values(conns)) c.mean = c.mean / spanSeconds;
  return {
    units: runs.reduce((s, r) => s + r.units, 0),
    spanSeconds,
    machineTicks: runs.reduce((s, r) => s + r.load.machineBusyTicks, 0),
    walBytes: runs.reduce((s, r) => s + r.load.walBytes, 0),
    cpu,
    pg,
    conns,
  };
}

const pct = (ticks: number, seconds: number) => round(cpuPercent(ticks, seconds * 1000), 0);

export function reportRun(runs: Run[]): { text: string; data: Record<string, unknown> } {
  const of = (bench: Bench, shape: Shape) =>
    runs.filter((r) => r.bench === bench && r.shape === shape).sort((a, b) => a.round - b.round);
  const benches = [...new Set(runs.map((r) => r.bench))];

  const throughput: Array<Record<string, string | number>> = [];
  const comparisons: Record<string, unknown> = {};
  for (const bench of benches.filter((b) => b !== 'idle')) {
    const [dev, cluster] = [of(bench, 'dev'), of(bench, 'cluster')];
    const c = compareRates(dev, cluster);
    comparisons[bench] = c;
    const n = (rs: Measured[]) => rs.reduce((s, r) => s + r.units, 0);
    const rows = (rs: Run[]) => rs.reduce((s, r) => s + (r.extra.rows ?? 0), 0);
    throughput.push({
      bench,
      measure: MEASURE[bench],
      'dev server': c.dev,
      cluster: c.cluster,
      'cluster ÷ dev': c.ratio,
      'per round': c.roundRatios.join(' '),
      'median round': c.medianRoundRatio,
      'done dev / cluster':
        bench === 'reconcile'
          ? `${n(dev)} / ${n(cluster)} seen, ${rows(dev)} / ${rows(cluster)} rows`
          : `${n(dev)} / ${n(cluster)}`,
    });
    if (bench === 'ack' || bench === 'start') {
      const lat = (rs: Run[]) => latency(rs.flatMap((r) => r.extra.latenciesMs ?? []));
      const [ld, lc] = [lat(dev), lat(cluster)];
      comparisons[`${bench}Latency`] = { dev: ld, cluster: lc };
      throughput.push({
        bench,
        measure: 'p50 / p99 ms',
        'dev server': `${ld.p50} / ${ld.p99}`,
        cluster: `${lc.p50} / ${lc.p99}`,
        'cluster ÷ dev': `${round(ratio(lc.p50, ld.p50), 2)} / ${round(ratio(lc.p99, ld.p99), 2)}`,
        'per round': '',
        'median round': '',
        'done dev / cluster': '',
      });
    }
    if (bench === 'reconcile') {
      const plain = (rs: Run[]) => rs.flatMap((r) => (r.extra.plain ? [r.extra.plain] : []));
      const p = compareRates(plain(dev), plain(cluster));
      comparisons.reconcilePlain = p;
      throughput.push({
        bench,
        measure: 'records/s (plain loop, control)',
        'dev server': p.dev,
        cluster: p.cluster,
        'cluster ÷ dev': p.ratio,
        'per round': p.roundRatios.join(' '),
        'median round': p.medianRoundRatio,
        'done dev / cluster': `${n(plain(dev))} / ${n(plain(cluster))} seen`,
      });
    }
  }

  const cpuRows: Array<Record<string, string | number>> = [];
  const pgRows: Array<Record<string, string | number>> = [];
  const load: Record<string, unknown> = {};
  for (const bench of benches)
    for (const shape of ['dev', 'cluster'] as const) {
      const rs = of(bench, shape);
      if (rs.length === 0) continue;
      const m = merge(rs);
      const [unitName, unitSize] = UNIT[bench];
      const units = m.units / unitSize;
      const s = m.spanSeconds;
      const services = Object.keys(m.cpu).filter((g) => g.startsWith(TEMPORAL_PREFIX));
      const temporalTicks = services.reduce((t, g) => t + (m.cpu[g] ?? 0), 0);
      const pgGroups = ['pg: temporal dbs', 'pg: syncline db', PG_SERVER_GROUP];
      const pgTicks = pgGroups.reduce((t, g) => t + (m.cpu[g] ?? 0), 0);
      const g = (name: string) => m.cpu[name] ?? 0;
      load[`${bench}/${shape}`] = {
        ...m,
        cpuPercent: Object.fromEntries(Object.entries(m.cpu).map(([k, t]) => [k, pct(t, s)])),
      };
      cpuRows.push({
        bench,
        shape,
        s: round(s),
        [`machine % (of ${CORES * 100})`]: pct(m.machineTicks, s),
        'Temporal %': pct(temporalTicks, s),
        'per service %':
          shape === 'cluster'
            ? services
                .map((name) => `${name.slice(TEMPORAL_PREFIX.length, TEMPORAL_PREFIX.length + 2)} ${pct(g(name), s)}`)
                .join(' ')
            : '',
        [`Temporal CPU ms per unit`]: units > 0 ? `${round(cpuMsPer(temporalTicks, units), 2)} /${unitName}` : '',
        'PostgreSQL %: temporal dbs / syncline db / server': `${pct(g('pg: temporal dbs'), s)} / ${pct(g('pg: syncline db'), s)} / ${pct(g(PG_SERVER_GROUP), s)}`,
        'PostgreSQL ms per unit': units > 0 ? round(cpuMsPer(pgTicks, units), 2) : '',
        'syncline api / worker %': `${pct(g('syncline api'), s)} / ${pct(g('syncline worker'), s)}`,
        'bench %': pct(g('bench process'), s),
        'other shape / other dbs %': `${pct(g('other shape (idle)'), s)} / ${pct(g('pg: other dbs'), s)}`,
      });
      const t = perSecond(m.pg.temporal ?? zeroCounters(), s);
      const sy = perSecond(m.pg.syncline ?? zeroCounters(), s);
      pgRows.push({
        bench,
        shape,
        'Temporal DBs commits/s': shape === 'dev' ? '(SQLite)' : t.xactCommit,
        'ins / upd / del per s': shape === 'dev' ? '' : `${t.tupInserted} / ${t.tupUpdated} / ${t.tupDeleted}`,
        'commits per unit':
          shape === 'dev' || units === 0 ? '' : round(ratio((m.pg.temporal ?? zeroCounters()).xactCommit, units), 1),
        'Temporal conns max (mean)':
          shape === 'dev' ? '' : `${m.conns.temporal?.max ?? 0} (${round(m.conns.temporal?.mean ?? 0)})`,
        'syncline DB commits/s': sy.xactCommit,
        'syncline conns max': m.conns.syncline?.max ?? 0,
        'WAL MB/s (server)': round(m.walBytes / 2 ** 20 / s, 2),
      });
    }

  const text = [
    `\nthroughput, cluster beside dev server (rates over all rounds; per round: cluster ÷ dev of that round)\n${table(throughput)}`,
    `\nCPU during the spans (% of one core, mean over the span; per unit: CPU ms per unit of work)\n${table(cpuRows)}`,
    `\nPostgreSQL (pg_stat_database of the measured shape's databases; WAL is the whole server's)\n${table(pgRows)}`,
  ].join('\n');
  return { text, data: { comparisons, load } };
}
