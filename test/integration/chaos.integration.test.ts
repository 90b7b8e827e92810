// The chaos convergence suite: 2,000 seeded partner changes with every fault on
// (dropped, duplicated, reordered, delayed, burst, forged and stale-signed
// webhooks, a secret rotation, partner API 500/503/429 and an outage) through
// two API processes and two workers, while the run SIGKILLs an API, a worker,
// both again, and the Temporal dev server, and makes PostgreSQL unreachable,
// and an operator terminates, cancels, resets and sends junk to running event
// workflows (the `operator` fault, at a small scale: DEFAULT_CHAOS_FAULTS).
// After reconciliation and an operator's bulk replay, syncline's copy must
// equal the partner's exactly, nothing applied twice, every event final, no
// hostile delivery stored; the naive receiver on the same stream must not.
// The product's notification endpoint, down and then flaky mid-run, must have
// been told of every change of the feed exactly once past its cursor.
// CHAOS_SEED replays a failing run; CHAOS_CHANGES scales it; CHAOS_CLUSTER=1 runs it on a
// Temporal cluster (dev/chaos/chaosTemporal.ts) whose history, matching, frontend and
// PostgreSQL are broken in turn instead of the dev server.
import { describe, expect, inject, it } from 'vitest';
import { defaultOptions, randomSeed, replayCommand } from '../../dev/chaos/options';
import { runChaos } from '../../dev/chaos/runner';

// CI replays a known seed so a red run means a regression, not a new fault pattern; local runs
// explore a fresh seed each time (printed, so any failure replays exactly).
const CI_SEED = 1855745516;
const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : process.env.CI ? CI_SEED : randomSeed();
const changes = process.env.CHAOS_CHANGES ? Number(process.env.CHAOS_CHANGES) : 2_000;
const cluster = process.env.CHAOS_CLUSTER === '1';
// API, worker, PostgreSQL cut, then the dev server (1) or history, matching, frontend and a PostgreSQL restart (4), then API + worker.
const KILLS = 4 + (cluster ? 4 : 1);

describe('chaos convergence', () => {
  it(
    `converges exactly on the partner's truth after 2,000 faulted changes with 2 APIs and 2 workers killed and restarted (seed ${seed})`,
    async () => {
      const opts = defaultOptions({
        seed,
        changes,
        cluster,
        databaseUrl: inject('databaseUrl'),
        temporalBinary: inject('temporalBinary'),
        runDir: inject('runDir'),
        workflowBundlePath: inject('workflowBundlePath'),
      });
      console.info(`[chaos] seed ${seed}; replay with CHAOS_SEED=${seed} or: ${replayCommand(opts)}`);
      const run = await runChaos(opts, { log: (l) => console.info(`[chaos] ${l}`) });
      try {
        console.info(`[chaos]\n${run.table}`);
        const { summary: s } = run;
        const v = s.verdict;
        expect(v.diff).toEqual({ missing: 0, stale: 0, resurrected: 0, extra: 0 });
        expect({
          overApplied: v.overApplied,
          appliedTwice: v.appliedTwice,
          notFinal: v.notFinal,
          hostileStored: v.hostileStored,
          ackedWithoutRow: v.ackedWithoutRow,
          unknownRows: v.unknownRows,
        }).toEqual({
          overApplied: 0,
          appliedTwice: 0,
          notFinal: 0,
          hostileStored: 0,
          ackedWithoutRow: 0,
          unknownRows: 0,
        });
        // The run really was hostile: every kind of fault happened, and the naive receiver shows it.
        expect(s.partner.dropped).toBeGreaterThan(0);
        expect(s.partner.duplicates).toBeGreaterThan(0);
        expect(s.partner.forgedRejected + s.partner.staleRejected).toBeGreaterThan(0);
        expect(s.parkedEver).toBeGreaterThan(0);
        expect(s.backfilled).toBeGreaterThan(0);
        expect(s.chaos.filter((c) => c.startsWith('SIGKILL') || c.startsWith('PostgreSQL'))).toHaveLength(KILLS);
        expect(Object.values(s.operatorActions).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
        // The product (a notification endpoint that was down and flaky mid-run) saw every change of the
        // feed exactly once, in order, past its cursor, every notification verified with `standardwebhooks`.
        expect(s.product).toMatchObject({ missed: 0, repeated: 0, outOfOrder: 0, gaps: 0, unverified: 0 });
        expect(s.product.feedChanges).toBeGreaterThan(0);
        expect(s.product.refused).toBeGreaterThan(0);
        const n = s.naive!;
        expect(n.missing + n.stale + n.resurrected + n.duplicated).toBeGreaterThan(0);
      } finally {
        await run.teardown();
      }
    },
    15 * 60_000,
  );
});
