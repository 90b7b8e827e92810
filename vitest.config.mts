// Three layers: `unit` (pure code, no services), `integration` (a real Temporal
// dev server and a real PostgreSQL, started once by test/support/globalSetup.ts)
// and `cluster` (the production-shaped Temporal cluster of `npm run cluster`:
// frontend, history, matching and worker processes on PostgreSQL with mutual
// TLS and the Web UI server, started once by test/support/clusterSetup.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.unit.test.ts'],
          environment: 'node',
          // Pure code, but a few files start a child process (tsx, promtool, docker-compose config):
          // vitest's 5 s default fails them on a loaded machine without anything being wrong.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.integration.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Test files share one Temporal server and database but use their own
          // task queues and connections; two at a time fits a 2-core machine.
          maxWorkers: 2,
          fileParallelism: true,
          // Units run first; integration files form their own group (they have their own worker limit).
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.cluster.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/clusterSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One cluster for the whole project; its files run one at a time, after the integration group.
          maxWorkers: 1,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
