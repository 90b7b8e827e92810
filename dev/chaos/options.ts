// Options of a chaos run, and the command that replays one from its seed.
import type { ChaosFaults } from './';
import { DEFAULT_CHAOS_FAULTS } from './';
import type { RetryModelName } from '../simulator/retryModels';

export interface ChaosOptions {
  seed: number;
  changes: number;
  /** Paced partner changes per second (bursts go unpaced). */
  ratePerSec: number;
  apis: number;
  workers: number;
  /** Kill/restart processes, Temporal and PostgreSQL during the stream. */
  kills: boolean;
  /** Temporal as a cluster (frontend, history, matching, worker) on a PostgreSQL the run owns, each killed in turn. */
  cluster: boolean;
  naive: boolean;
  faults: ChaosFaults;
  /** A PostgreSQL server URL; the run creates its own database on it. */
  databaseUrl: string;
  temporalBinary: string;
  /** Where the run keeps its Temporal SQLite file, bundle and logs. */
  runDir: string;
  /** Temporal Web UI port; null runs the dev server headless. */
  uiPort: number | null;
  /** A prebuilt workflow bundle; unset = bundled at start. */
  workflowBundlePath?: string;
  /** Drop the run's database when it converged. */
  dropDatabase: boolean;
  /** How the partner retries: the chaos default backoff, or a real partner's schedule (dev/simulator/retryModels.ts). */
  retryModel?: RetryModelName;
  /** The retry model's delays are multiplied by this. */
  retryTimeScale?: number;
  /** The receivers' OVERLOAD_MODE; unset = the default. */
  overloadMode?: 'none' | 'shed' | 'overflow';
  /** A stretch of the stream sent `factor` x faster, in the middle of the kills (issue 20 §5); null = none (`--burst` = DEFAULT_BURST). */
  burst: ChaosBurst | null;
}

export interface ChaosBurst {
  /** Where it starts, as a share of the stream (the kills run from 0.12 to 0.8). */
  at: number;
  /** How much of the stream it carries. */
  share: number;
  /** Times the paced rate. */
  factor: number;
}

/**
 * 10% of the changes at 5x the paced rate, between the PostgreSQL cut and the Temporal kill: 200 changes/s
 * at the default 40/s, about 10x the end-to-end capacity of a 2-core machine (about 20 events/s quiet,
 * docs/operations.md), and each change is one or more deliveries.
 */
export const DEFAULT_BURST: ChaosBurst = { at: 0.44, share: 0.1, factor: 5 };

export const DEFAULT_CHANGES = 2_000;
export const DEFAULT_RATE_PER_SEC = 40;

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

export const replayCommand = (
  o: Pick<
    ChaosOptions,
    | 'seed'
    | 'changes'
    | 'ratePerSec'
    | 'apis'
    | 'workers'
    | 'retryModel'
    | 'retryTimeScale'
    | 'overloadMode'
    | 'cluster'
  > & { burst?: ChaosBurst | null },
): string =>
  `npm run chaos -- --seed ${o.seed} --changes ${o.changes} --rate ${o.ratePerSec} --apis ${o.apis} --workers ${o.workers}` +
  (o.retryModel
    ? ` --retry-model ${o.retryModel} --retry-time-scale ${o.retryTimeScale ?? DEFAULT_RETRY_TIME_SCALE}`
    : '') +
  (o.overloadMode ? ` --overload-mode ${o.overloadMode}` : '') +
  (o.cluster ? ' --cluster' : '') +
  (o.burst ? ' --burst' : '');

/** A partner's real schedule, 1000x faster: Svix's 27.5 h play in about 100 s, Stripe's 3 days in about 4 min. */
export const DEFAULT_RETRY_TIME_SCALE = 1 / 1000;

export function defaultOptions(
  partial: Partial<ChaosOptions> & Pick<ChaosOptions, 'databaseUrl' | 'temporalBinary' | 'runDir'>,
): ChaosOptions {
  return {
    seed: randomSeed(),
    changes: DEFAULT_CHANGES,
    ratePerSec: DEFAULT_RATE_PER_SEC,
    apis: 2,
    workers: 2,
    kills: true,
    cluster: false,
    naive: true,
    faults: DEFAULT_CHAOS_FAULTS,
    uiPort: null,
    dropDatabase: true,
    // Off until a run with it has been seen to converge on the CI machine (issue 20 §5).
    burst: null,
    ...partial,
  };
}
