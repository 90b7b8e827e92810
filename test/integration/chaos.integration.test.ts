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
// CHAOS_SEED replays a failing run; CHAOS_CHANGES scales it; CHAOS_BURST=1 adds the overload
// burst of issue 20 §5; CHAOS_OVERLOAD_MODE=none|shed|overflow sets the receivers' mode (unset:
// none, the configuration this run was proven with). The CI chaos run is the same run on a
// Temporal cluster, whose services and PostgreSQL are broken instead of the dev server, with
// the burst and the overflow inbox: test/cluster/chaos.cluster.test.ts. `npm test` runs this
// dev-server file only when the cluster's is left out (SYNCLINE_CLUSTER_CHAOS=0 or SYNCLINE_CLUSTER_TESTS=0).
import { describe, inject, it } from 'vitest';
import { DEFAULT_BURST, defaultOptions, randomSeed } from '../../dev/chaos/options';
import { chaosOverloadMode, runChaosAndExpectConverged } from '../support/chaosVerdict';

// CI replays a known seed so a red run means a regression, not a new fault pattern; local runs
// explore a fresh seed each time (printed, so any failure replays exactly).
const CI_SEED = 1855745516;
const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : process.env.CI ? CI_SEED : randomSeed();
const changes = process.env.CHAOS_CHANGES ? Number(process.env.CHAOS_CHANGES) : 2_000;
const burst = process.env.CHAOS_BURST === '1' ? DEFAULT_BURST : null;
const overloadMode = chaosOverloadMode(process.env.CHAOS_OVERLOAD_MODE ?? 'none');
// API, worker, PostgreSQL cut, the dev server, then API + worker.
const KILLS = 5;

describe('chaos convergence', () => {
  it(
    `converges exactly on the partner's truth after 2,000 faulted changes with 2 APIs and 2 workers killed and restarted (seed ${seed})`,
    async () => {
      const opts = defaultOptions({
        seed,
        changes,
        burst,
        overloadMode,
        databaseUrl: inject('databaseUrl'),
        temporalBinary: inject('temporalBinary'),
        runDir: inject('runDir'),
        workflowBundlePath: inject('workflowBundlePath'),
      });
      await runChaosAndExpectConverged(opts, { kills: KILLS, burst: burst !== null, hostileAnswered: true });
    },
    15 * 60_000,
  );
});
