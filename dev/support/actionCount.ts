// Temporal Cloud Actions of one workflow execution, counted from its history
// (issue 17). The rules are the Temporal server's own `action` metric
// (service/frontend telemetry interceptor, emitted since 1.22.3), which the
// Cloud pricing page (docs.temporal.io/cloud/actions) follows, applied to the
// history events each counted request leaves behind:
//   grpc_StartWorkflowExecution            WorkflowExecutionStarted (search attributes given at start are free)
//   command_ScheduleActivityTask           each ActivityTaskScheduled
//   activity_retry                         each attempt after the first (ActivityTaskStarted.attempt - 1;
//                                          the history keeps only the last attempt's started event)
//   command_BatchMarkers                   one per workflow task that recorded any marker: every local
//                                          activity and patch marker of one task completion is one Action
//   command_StartTimer                     each TimerStarted (local activity retries past the local retry
//                                          threshold wait on one)
//   command_UpsertWorkflowSearchAttributes each UpsertWorkflowSearchAttributes (Cloud exempts one that only
//                                          sets TemporalChangeVersion; the server counts it; listed apart)
//   command_StartChildWorkflowExecution    2 per child (the server emits it and `_Extra`)
//   command_SignalExternalWorkflowExecution, command_ModifyWorkflowProperties,
//   command_ContinueAsNewWorkflowExecution each such event
//   grpc_SignalWorkflowExecution           each WorkflowExecutionSignaled
//   message_UpdateWorkflowExecution:Acceptance  each WorkflowExecutionUpdateAccepted
// Not in any history, so not counted here: queries (each is an Action), rejected
// updates, activity heartbeats, resets, schedule calls, and what Cloud bills for a
// workflow task kept alive by local activities beyond 5 minutes.
// Input: the history in protobufjs object form (History.toObject with longs and
// bytes as strings), as scripts/record-histories.sh stores it.

export interface HistoryJson {
  events?: Array<Record<string, unknown>>;
}

export type ActionCounts = Record<string, number>;

export const DOLLARS_PER_MILLION_ACTIONS = 50;

type Attrs = Record<string, unknown> | undefined;

const CHANGE_VERSION = 'TemporalChangeVersion';

function onlyChangeVersion(attrs: Attrs): boolean {
  const fields = ((attrs?.searchAttributes as Attrs)?.indexedFields ?? {}) as Record<string, unknown>;
  const keys = Object.keys(fields);
  return keys.length > 0 && keys.every((k) => k === CHANGE_VERSION);
}

/** Actions of one execution by the server metric's action_type. */
export function countActions(history: HistoryJson): ActionCounts {
  const counts: ActionCounts = {};
  const add = (type: string, n = 1) => {
    if (n > 0) counts[type] = (counts[type] ?? 0) + n;
  };
  const markerTasks = new Set<string>();
  for (const e of history.events ?? []) {
    const attrs = (key: string) => e[key] as Attrs;
    if (attrs('workflowExecutionStartedEventAttributes')) add('grpc_StartWorkflowExecution');
    else if (attrs('activityTaskScheduledEventAttributes')) add('command_ScheduleActivityTask');
    else if (attrs('activityTaskStartedEventAttributes'))
      add('activity_retry', Number(attrs('activityTaskStartedEventAttributes')?.attempt ?? 1) - 1);
    else if (attrs('markerRecordedEventAttributes'))
      markerTasks.add(String(attrs('markerRecordedEventAttributes')?.workflowTaskCompletedEventId));
    else if (attrs('timerStartedEventAttributes')) add('command_StartTimer');
    else if (attrs('upsertWorkflowSearchAttributesEventAttributes'))
      add(
        onlyChangeVersion(attrs('upsertWorkflowSearchAttributesEventAttributes'))
          ? 'command_UpsertWorkflowSearchAttributes:TemporalChangeVersion'
          : 'command_UpsertWorkflowSearchAttributes',
      );
    else if (attrs('startChildWorkflowExecutionInitiatedEventAttributes')) {
      add('command_StartChildWorkflowExecution');
      add('command_StartChildWorkflowExecution_Extra');
    } else if (attrs('signalExternalWorkflowExecutionInitiatedEventAttributes'))
      add('command_SignalExternalWorkflowExecution');
    else if (attrs('workflowPropertiesModifiedEventAttributes')) add('command_ModifyWorkflowProperties');
    else if (attrs('workflowExecutionContinuedAsNewEventAttributes')) add('command_ContinueAsNewWorkflowExecution');
    else if (attrs('workflowExecutionSignaledEventAttributes')) add('grpc_SignalWorkflowExecution');
    else if (attrs('workflowExecutionUpdateAcceptedEventAttributes')) add('message_UpdateWorkflowExecution:Acceptance');
  }
  add('command_BatchMarkers', markerTasks.size);
  return counts;
}

/** Every counted Action, as the server's metric sums them (its TemporalChangeVersion upserts included). */
export function totalActions(counts: ActionCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** What Temporal Cloud bills: the server's count without TemporalChangeVersion-only upserts. */
export function billedActions(counts: ActionCounts): number {
  return totalActions(counts) - (counts['command_UpsertWorkflowSearchAttributes:TemporalChangeVersion'] ?? 0);
}

/** Dollars per million events at `actionsPerEvent`, at Cloud's first tier. */
export function dollarsPerMillionEvents(
  actionsPerEvent: number,
  dollarsPerMillionActions = DOLLARS_PER_MILLION_ACTIONS,
) {
  return actionsPerEvent * dollarsPerMillionActions;
}

/** A fetched history (client `fetchHistory()`) in the object form countActions reads. */
export function historyJson(history: object): HistoryJson {
  const History = history.constructor as unknown as { toObject(m: unknown, o: Record<string, unknown>): unknown };
  return History.toObject(history, { longs: String, bytes: String }) as HistoryJson;
}

/**
 * The server's own `action` counter, by action_type, from a Prometheus text page
 * (a frontend's /metrics, or the dev server's), for one namespace.
 */
export function actionMetric(metricsText: string, namespace = 'default'): ActionCounts {
  const counts: ActionCounts = {};
  for (const line of metricsText.split('\n')) {
    const m = /^action(?:_total)?\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.namespace !== namespace || !labels.action_type) continue;
    // Prometheus label values keep the server's names, except `:`, which its exporter may write as `_`.
    const type = labels.action_type.replace(/^(message_\w+?)_(Acceptance|Rejection)$/, '$1:$2');
    counts[type] = (counts[type] ?? 0) + Number(m[2]);
  }
  return counts;
}

/** What a counter snapshot gained since an earlier one (types that did not move are left out). */
export function countsSince(after: ActionCounts, before: ActionCounts): ActionCounts {
  const out: ActionCounts = {};
  for (const [type, n] of Object.entries(after)) {
    const d = n - (before[type] ?? 0);
    if (d !== 0) out[type] = d;
  }
  return out;
}
