// Activity factory: every dependency comes in through `deps`, so tests hand in
// real or fake partners, databases and clocks without module mocking.
import type { Alerter } from '../alerts/types';
import type { ConnectionRepository } from '../connections/repository';
import type { Db } from '../db/prisma';
import { createEventActivities } from './events';
import { createPartnerActivities } from './partner';
import { createRecordActivities } from './records';

export interface ActivityDeps {
  db: Db;
  connections: ConnectionRepository;
  http: typeof fetch;
  /** Where alerts go; absent in tests that do not look at alerts. */
  alerter?: Alerter;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createPartnerActivities(deps),
    ...createRecordActivities(deps),
    ...createEventActivities(deps),
  };
}
