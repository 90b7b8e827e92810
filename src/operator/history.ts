// A few lines an engineer needs from a workflow history without reading it:
// how many partner fetch attempts, what failed last, operator actions and
// timers. Pure: takes the history the client fetched.
import type { temporal } from '@temporalio/proto';

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
    if (e.workflowExecutionSignaledEventAttributes?.signalName)
      s.signals.push(e.workflowExecutionSignaledEventAttributes.signalName);
    const upd = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    if (upd) s.updates.push(upd);
    if (e.timerStartedEventAttributes) s.timers += 1;
  }
  return s;
}
