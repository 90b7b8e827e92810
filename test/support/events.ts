// Reading syncline's own tables in tests.
import type { Db } from '../../src/db/prisma';
import { waitFor } from './wait';

export function eventRow(db: Db, connectionId: string, eventId: string) {
  return db.webhookEvent.findUnique({ where: { connectionId_eventId: { connectionId, eventId } } });
}

export function eventCount(db: Db, connectionId: string) {
  return db.webhookEvent.count({ where: { connectionId } });
}

export function record(db: Db, connectionId: string, objectType: string, objectId: string) {
  return db.syncRecord.findUnique({
    where: { connectionId_objectType_objectId: { connectionId, objectType, objectId } },
  });
}

export function waitForEventStatus(db: Db, connectionId: string, eventId: string, status: string, timeoutMs?: number) {
  return waitFor(
    `event ${eventId} to be ${status}`,
    async () => {
      const row = await eventRow(db, connectionId, eventId);
      return row?.status === status ? row : undefined;
    },
    timeoutMs,
  );
}
