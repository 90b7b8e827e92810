// bench:cluster's pure parts: reading CPU and roles from /proc text, accounting
// CPU per group over a span, and the cluster ÷ dev-server maths.
import { describe, expect, it } from 'vitest';
import {
  CpuAccount,
  cpuMsPer,
  cpuPercent,
  parseCmdline,
  parseMachineCpu,
  parseProcStat,
  postgresRole,
  temporalService,
} from '../../dev/support/procCpu';
import { compareRates, counterDeltas, perSecond, ratio } from '../../dev/support/shapeRatios';

// A real /proc/<pid>/stat line shape: utime 14, stime 15, starttime 22.
const stat = (pid: number, comm: string, ppid: number, utime: number, stime: number, start: number) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 1234 0 0 0 ${utime} ${stime} 0 0 20 0 12 0 ${start} 1798402048 24006 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`;

describe('/proc parsing', () => {
  it('reads pid, parent, CPU ticks and start time from a stat line', () => {
    expect(parseProcStat(stat(4242, 'temporal-server', 100, 350, 50, 98765))).toEqual({
      pid: 4242,
      comm: 'temporal-server',
      ppid: 100,
      cpuTicks: 400,
      startTicks: 98765,
    });
  });

  it('reads a stat line whose command name holds spaces and a parenthesis', () => {
    const s = parseProcStat(stat(7, 'a b) (c', 1, 10, 5, 3));
    expect(s.comm).toBe('a b) (c');
    expect(s.cpuTicks).toBe(15);
    expect(s.ppid).toBe(1);
  });

  it('counts the machine busy without idle and iowait', () => {
    const m = parseMachineCpu('cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\nintr 1\n');
    expect(m).toEqual({ busyTicks: 161, totalTicks: 1181 });
  });

  it('splits a command line on NUL and drops the padding of a retitled process', () => {
    expect(parseCmdline('/bin/temporal-server\0--root\0/x\0start\0--service\0history\0')).toEqual([
      '/bin/temporal-server',
      '--root',
      '/x',
      'start',
      '--service',
      'history',
    ]);
    expect(parseCmdline('postgres: 15/main: postgres syncline 127.0.0.1(5) idle\0\0\0')).toEqual([
      'postgres: 15/main: postgres syncline 127.0.0.1(5) idle',
    ]);
  });

  it('finds the Temporal service of a process, in either flag form', () => {
    expect(temporalService(['/x/.tools/bin/temporal-server', 'start', '--service', 'matching'])).toBe('matching');
    expect(temporalService(['temporal-server', 'start', '--service=frontend'])).toBe('frontend');
    expect(temporalService(['temporal', 'server', 'start-dev'])).toBeUndefined();
  });

  it('takes no other program with a --service flag for a Temporal service', () => {
    // tsx's esbuild child, a child of every benchmark process; a run once counted it as a service.
    expect(
      temporalService(['/x/node_modules/@esbuild/linux-x64/bin/esbuild', '--service=0.28.2', '--ping']),
    ).toBeUndefined();
  });

  it("tells a PostgreSQL backend's database from the server's own processes", () => {
    const role = (t: string) => postgresRole(parseCmdline(t));
    expect(role('postgres: 15/main: postgres temporal_bench_x 127.0.0.1(40112) idle')).toEqual({
      kind: 'backend',
      user: 'postgres',
      database: 'temporal_bench_x',
    });
    expect(role('postgres: app syncline [local] SELECT')).toEqual({
      kind: 'backend',
      user: 'app',
      database: 'syncline',
    });
    expect(role('postgres: 15/main: postgres syncline 127.0.0.1(5)')).toMatchObject({ database: 'syncline' });
    expect(role('postgres: 15/main: walwriter ')).toEqual({ kind: 'server', name: 'walwriter' });
    expect(role('postgres: 15/main: logical replication launcher')).toEqual({
      kind: 'server',
      name: 'logical replication launcher',
    });
    expect(role('/usr/lib/postgresql/15/bin/postgres\0-D\0/var/lib/postgresql/15/main').kind).toBe('server');
  });
});

describe('CPU per group over a span', () => {
  it('counts what each process used between samples, summed by group', () => {
    const a = new CpuAccount(1_000);
    a.observe([
      { pid: 1, startTicks: 10, cpuTicks: 500, group: 'history' },
      { pid: 2, startTicks: 10, cpuTicks: 70, group: 'pg' },
    ]);
    a.observe([
      { pid: 1, startTicks: 10, cpuTicks: 530, group: 'history' },
      { pid: 2, startTicks: 10, cpuTicks: 75, group: 'pg' },
    ]);
    a.observe([{ pid: 1, startTicks: 10, cpuTicks: 540, group: 'history' }]);
    expect(a.totals()).toEqual({ history: 40, pg: 5 });
  });

  it('counts a process started during the span whole, and one older than the span from its first sample', () => {
    const a = new CpuAccount(1_000);
    a.observe([{ pid: 3, startTicks: 1_200, cpuTicks: 8, group: 'pg' }]);
    a.observe([{ pid: 4, startTicks: 900, cpuTicks: 300, group: 'pg' }]);
    a.observe([
      { pid: 3, startTicks: 1_200, cpuTicks: 10, group: 'pg' },
      { pid: 4, startTicks: 900, cpuTicks: 303, group: 'pg' },
    ]);
    expect(a.totals()).toEqual({ pg: 13 });
  });

  it('takes a reused pid with another start time for a new process', () => {
    const a = new CpuAccount(1_000);
    a.observe([{ pid: 5, startTicks: 1_100, cpuTicks: 50, group: 'pg' }]);
    a.observe([{ pid: 5, startTicks: 1_300, cpuTicks: 4, group: 'pg' }]);
    expect(a.totals()).toEqual({ pg: 54 });
  });

  it('gives an idle group 0, not nothing', () => {
    const a = new CpuAccount(1_000);
    a.observe([{ pid: 6, startTicks: 10, cpuTicks: 9, group: 'worker' }]);
    a.observe([{ pid: 6, startTicks: 10, cpuTicks: 9, group: 'worker' }]);
    expect(a.totals()).toEqual({ worker: 0 });
  });

  it('turns ticks into % of one core and ms per unit', () => {
    expect(cpuPercent(150, 1_000)).toBe(150); // 1.5 s of CPU in 1 s: one and a half cores
    expect(cpuPercent(10, 0)).toBeNaN();
    expect(cpuMsPer(300, 600)).toBe(5);
    expect(cpuMsPer(300, 0)).toBeNaN();
  });
});

describe('cluster ÷ dev server', () => {
  it('is NaN, not 0 or Infinity, when nothing was measured', () => {
    expect(ratio(5, 0)).toBeNaN();
    expect(ratio(5, NaN)).toBeNaN();
    expect(ratio(3, 4)).toBe(0.75);
  });

  it('rates each shape over all its rounds and compares round by round', () => {
    const dev = [
      { units: 300, seconds: 10 },
      { units: 300, seconds: 5 },
    ];
    const cluster = [
      { units: 300, seconds: 20 },
      { units: 300, seconds: 20 },
    ];
    expect(compareRates(dev, cluster)).toEqual({
      dev: 40,
      cluster: 15,
      ratio: 0.38,
      roundRatios: [0.5, 0.25],
      medianRoundRatio: 0.38,
    });
  });

  it('leaves a round out of the per-round ratios when one shape did nothing in it', () => {
    const c = compareRates(
      [
        { units: 10, seconds: 1 },
        { units: 0, seconds: 1 },
      ],
      [
        { units: 5, seconds: 1 },
        { units: 5, seconds: 1 },
      ],
    );
    expect(c.roundRatios).toEqual([0.5]);
  });

  it('sums pg_stat_database growth over the chosen databases and makes rates of it', () => {
    const z = { xactCommit: 0, tupInserted: 0, tupUpdated: 0, tupDeleted: 0 };
    const before = { t: { ...z, xactCommit: 100, tupInserted: 10 }, v: { ...z, xactCommit: 5 }, x: z };
    const after = {
      t: { ...z, xactCommit: 160, tupInserted: 40, tupUpdated: 8 },
      v: { ...z, xactCommit: 9 },
      n: { ...z, xactCommit: 6, tupDeleted: 2 }, // created during the span
      x: { ...z, xactCommit: 1_000 }, // not asked for
    };
    const d = counterDeltas(before, after, ['t', 'v', 'n', 'gone']);
    expect(d).toEqual({ xactCommit: 70, tupInserted: 30, tupUpdated: 8, tupDeleted: 2 });
    expect(perSecond(d, 4)).toEqual({ xactCommit: 17.5, tupInserted: 7.5, tupUpdated: 2, tupDeleted: 0.5 });
  });

  it('counts nothing for a counter that went down (statistics reset)', () => {
    const z = { xactCommit: 0, tupInserted: 0, tupUpdated: 0, tupDeleted: 0 };
    expect(counterDeltas({ t: { ...z, xactCommit: 50 } }, { t: { ...z, xactCommit: 3 } }, ['t']).xactCommit).toBe(0);
  });
});
