// Activity factory: every dependency comes in through `deps`, so tests hand in
// real or fake partners, databases and clocks without module mocking.
import type { Client } from '@temporalio/client';
import type { LinkConfig } from '../alerts/links';
import type { Alerter } from '../alerts/types';
import type { ConnectionRepository } from '../connections/repository';
import type { Db } from '../db/prisma';
import { createAlertActivities } from './alerts';
import { createEventActivities } from './events';
import { createPartnerActivities } from './partner';
import { createReconcilePageActivities } from './reconcile';
import { createReconcileRunActivities } from './reconcileRuns';
import { createRecordActivities } from './records';

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
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createPartnerActivities(deps),
    ...createRecordActivities(deps),
    ...createEventActivities(deps),
    ...createAlertActivities(deps),
    ...createReconcilePageActivities(deps),
    ...createReconcileRunActivities(deps),
  };
}
