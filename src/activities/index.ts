// Activity factory: every dependency comes in through `deps`, so tests hand in
// real or fake partners, databases and clocks without module mocking.
import type { Client } from '@temporalio/client';
import type { LinkConfig } from '../alerts/links';
import type { Alerter } from '../alerts/types';
import type { ConnectionRepository } from '../connections/repository';
import type { Db } from '../db/prisma';
import { instrumentActivities, instrumentFetch } from '../metrics/activityMetrics';
import type { Metrics } from '../metrics/registry';
import { createAlertActivities } from './alerts';
import { createEventActivities } from './events';
import { createPartnerActivities } from './partner';
import { createReconcilePageActivities } from './reconcilePages';
import { createReconcileRunActivities } from './reconcileRuns';
import { createRecordActivities } from './records';
import { createRetentionActivities } from './retention';

export interface ActivityDeps {
  db: Db;
  connections: ConnectionRepository;
  http: typeof fetch;
  /** Where alerts go; absent in tests that do not look at alerts. */
  alerter?: Alerter;
  /** Temporal client for signalling other workflows (superseded parked events). */
  temporal?: Client;
  /** For links to the Temporal Web UI in alerts. */
  links?: LinkConfig;
  /** Event, retry and partner-error counters; absent = activities are not instrumented. */
  metrics?: Metrics;
  /** Finished event rows older than this are deleted by the retention run; absent or 0 = kept forever. */
  eventRetentionDays?: number;
}

export function createActivities(given: ActivityDeps) {
  const deps = given.metrics ? { ...given, http: instrumentFetch(given.http, given.metrics) } : given;
  const activities = {
    ...createPartnerActivities(deps),
    ...createRecordActivities(deps),
    ...createEventActivities(deps),
    ...createAlertActivities(deps),
    ...createReconcilePageActivities(deps),
    ...createReconcileRunActivities(deps),
    ...createRetentionActivities(deps),
  };
  return deps.metrics ? instrumentActivities(activities, deps.metrics, deps.db) : activities;
}
