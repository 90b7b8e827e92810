// The delay an activity asked Temporal to wait before its last retry, read from the
// workflow's history: an attempt's failure carries `nextRetryDelay` when the partner
// said how long to wait (Retry-After, a rate-limit reset) or the connection's schedule
// set it. History keeps only the last attempt's start, with the failure before it.
import type { Client } from '@temporalio/client';

/** The nextRetryDelay (ms) before the last attempt of `activity` in `workflowId`; null when it never retried. */
export async function lastRetryDelayMs(client: Client, workflowId: string, activity: string): Promise<number | null> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity)
      .map((e) => String(e.eventId)),
  );
  const started = events
    .map((e) => e.activityTaskStartedEventAttributes)
    .filter((a) => a && scheduled.has(String(a.scheduledEventId)) && a.lastFailure)
    .at(-1);
  const delay = started?.lastFailure?.applicationFailureInfo?.nextRetryDelay;
  if (!delay) return null;
  return Number(delay.seconds ?? 0) * 1000 + Math.round((delay.nanos ?? 0) / 1e6);
}
