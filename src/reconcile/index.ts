// Reconciliation's public surface for the API, the CLI and entry points:
// one call builds the service (with its schedule manager) from a runtime.
import type { Client } from '@temporalio/client';
import type { Runtime } from '../system/runtime';
import { ScheduleManager } from './schedules';
import { ReconcileService } from './reconcileService';

export { ReconcileService } from './reconcileService';
export { HEALTH_SCHEDULE_ID, ScheduleManager, jitterOffsetMs, scheduleId } from './schedules';

export function reconcileServiceFor(
  client: Client,
  rt: Pick<Runtime, 'db' | 'connections' | 'env' | 'log'>,
  taskQueue = rt.env.TEMPORAL_TASK_QUEUE,
): ReconcileService {
  return new ReconcileService(
    client,
    rt.db,
    new ScheduleManager(client, rt.db, rt.connections, taskQueue, rt.log),
    taskQueue,
  );
}
