// Activity factory: every dependency comes in through `deps` (src/activities/deps.ts).
import { sameOriginRedirects } from '../connectors/sameOriginRedirects';
import { instrumentActivities, instrumentFetch } from '../metrics/activityMetrics';
import { createAlertActivities } from './alerts';
import type { ActivityDeps } from './deps';
import { createEventActivities } from './events';
import { createFinishActivities } from './finishEvent';
import { createSweepActivities } from './lifecycleSweep';
import { createNotificationActivities } from './notificationDelivery';
import { createPartnerActivities } from './partner';
import { createReconcilePageActivities } from './reconcilePages';
import { createReconcileRunActivities } from './reconcileRuns';
import { createRecordActivities } from './records';
import { createRetentionActivities } from './retention';

export function createActivities(given: ActivityDeps) {
  // Every connector's partner calls (octokit's and Shopify's clients included) follow redirects only within an origin.
  const deps = { ...given, http: instrumentFetch(sameOriginRedirects(given.http), given.metrics) };
  const partner = createPartnerActivities(deps);
  const activities = {
    ...partner,
    ...createFinishActivities(deps, partner),
    ...createRecordActivities(deps),
    ...createEventActivities(deps),
    ...createAlertActivities(deps),
    ...createReconcilePageActivities(deps),
    ...createReconcileRunActivities(deps),
    ...createRetentionActivities(deps),
    ...createSweepActivities(deps),
    ...createNotificationActivities(deps),
  };
  return instrumentActivities(activities, deps.metrics, deps.db);
}
