// Builds and sends the "event parked" alert from the event's row, so it carries
// what an on-call engineer needs: connection, connector, event id and type,
// object, attempts, last error, first failure, the replay command and a link to
// the workflow in the Temporal Web UI.
import { replayCommand, workflowLink } from '../alerts/links';
import { findEventForAlert } from '../store/webhookEvents';
import type { ActivityDeps } from './deps';

export function createAlertActivities(deps: Pick<ActivityDeps, 'db' | 'alerter' | 'links'>) {
  return {
    async alertParked(args: { eventRowId: string; workflowId: string }): Promise<void> {
      const e = await findEventForAlert(deps.db, args.eventRowId);
      const link = workflowLink(deps.links, args.workflowId);
      const alert = {
        kind: 'event.parked' as const,
        connectionId: e.connectionId,
        connector: e.connector,
        title: `Event parked: ${e.eventType} ${e.objectType}/${e.objectId} on connection ${e.connectionId}`,
        fields: {
          connection: e.connectionId,
          connector: e.connector,
          eventId: e.eventId,
          eventType: e.eventType,
          objectType: e.objectType,
          objectId: e.objectId,
          attempts: e.attempts,
          lastError: e.lastError,
          firstFailedAt: e.firstFailedAt?.toISOString() ?? null,
          workflowId: args.workflowId,
        },
        link,
        command: replayCommand(e.connectionId, e.eventId),
      };
      await deps.alerter.send(alert);
    },
  };
}
