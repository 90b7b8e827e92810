// A few lines an engineer needs from a workflow history without reading it:
// how many partner fetch attempts, what failed last, operator actions and
// timers. Pure: takes the history the client fetched.
// Local activities (registerEvent, and generation 3's fetchAndFinish) leave no
// activity events, only a marker per resolution: its data (written by sdk-core,
// never by the payload codec) names the activity and the attempt that resolved
// it, and a failed resolution carries the failure. Attempts the worker retried
// in place leave nothing in the history: the event row has each one
// (attempts, last_error).
import type { temporal } from '@temporalio/proto';

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export interface HistorySummary {
  events: number;
  activities: Record<string, number>;
  lastActivityAttempt: number | null;
  lastFailure: string | null;
  signals: string[];
  updates: string[];
  timers: number;
}

type History = temporal.api.history.v1.IHistory;

export function summarizeHistory(history: History): HistorySummary {
  const s: HistorySummary = {
    events: 0,
    activities: {},
    lastActivityAttempt: null,
    lastFailure: null,
    signals: [],
    updates: [],
    timers: 0,
  };
  for (const e of history.events ?? []) {
    s.events += 1;
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name)
      s.activities[scheduled.activityType.name] = (s.activities[scheduled.activityType.name] ?? 0) + 1;
    if (e.activityTaskStartedEventAttributes) {
      s.lastActivityAttempt = e.activityTaskStartedEventAttributes.attempt ?? null;
      s.lastFailure = e.activityTaskStartedEventAttributes.lastFailure?.message ?? s.lastFailure;
    }
    if (e.activityTaskFailedEventAttributes)
      s.lastFailure = e.activityTaskFailedEventAttributes.failure?.message ?? s.lastFailure;
    const marker = e.markerRecordedEventAttributes;
    const local = marker?.markerName === LOCAL_ACTIVITY_MARKER ? localActivityOf(marker) : null;
    if (local) {
      s.activities[local.activity_type] = (s.activities[local.activity_type] ?? 0) + 1;
      s.lastActivityAttempt = local.attempt;
      s.lastFailure = marker?.failure?.message ?? s.lastFailure;
    }
    if (e.workflowExecutionSignaledEventAttributes?.signalName)
      s.signals.push(e.workflowExecutionSignaledEventAttributes.signalName);
    const upd = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    if (upd) s.updates.push(upd);
    if (e.timerStartedEventAttributes) s.timers += 1;
  }
  return s;
}

type Marker = temporal.api.history.v1.IMarkerRecordedEventAttributes;

/** The activity type and attempt sdk-core wrote into a local activity's marker; null if unreadable. */
function localActivityOf(marker: Marker): { activity_type: string; attempt: number } | null {
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return null;
  try {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: unknown; attempt?: unknown };
    return typeof parsed.activity_type === 'string' && typeof parsed.attempt === 'number'
      ? { activity_type: parsed.activity_type, attempt: parsed.attempt }
      : null;
  } catch {
    return null;
  }
}
