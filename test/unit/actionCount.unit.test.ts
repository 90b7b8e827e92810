// The Action-counting rules of bench:actions (dev/support/actionCount.ts), on
// histories our own code recorded (test/fixtures/histories, by
// scripts/record-histories.sh) and on small hand-made event lists for the rules
// those histories do not reach.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  actionMetric,
  billedActions,
  countActions,
  countsSince,
  dollarsPerMillionEvents,
  totalActions,
  type HistoryJson,
} from '../../dev/support/actionCount';

const DIR = path.resolve(__dirname, '../fixtures/histories');
const recorded = (file: string) => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as HistoryJson;

describe('counting Temporal Cloud Actions from a history', () => {
  it('prices a processed event of the code before issue 17 at 8 Actions, as the server metric measured', () => {
    const counts = countActions(recorded('v4-8552554.event-processed.json'));
    // issue 17: grpc_StartWorkflowExecution 1, command_UpsertWorkflowSearchAttributes 2, command_BatchMarkers 1,
    // command_ScheduleActivityTask 4, measured with the server's `action` metric on a 1.29.1 cluster.
    expect(counts).toEqual({
      grpc_StartWorkflowExecution: 1,
      command_UpsertWorkflowSearchAttributes: 2,
      command_BatchMarkers: 1,
      command_ScheduleActivityTask: 4,
    });
    expect(totalActions(counts)).toBe(8);
    expect(dollarsPerMillionEvents(totalActions(counts))).toBe(400);
  });

  it('prices a processed event of the code since issue 17 at 3 billed Actions, 4 by the server metric', () => {
    // v6: the start, the patch marker with the registration's local-activity marker (one batch), fetchAndFinish,
    // and the TemporalChangeVersion upsert the SDK adds to patched(): Cloud does not bill it, the server counts it.
    const counts = countActions(recorded('v6-0cba11d.event-processed.json'));
    expect(counts).toEqual({
      grpc_StartWorkflowExecution: 1,
      command_BatchMarkers: 1,
      command_ScheduleActivityTask: 1,
      'command_UpsertWorkflowSearchAttributes:TemporalChangeVersion': 1,
    });
    expect(billedActions(counts)).toBe(3);
    expect(totalActions(counts)).toBe(4);
  });

  it('prices a processed event of a generation-2 worker at 3 Actions by the server metric too: no patch marker', () => {
    // v7: the first task's build id (syncline-workflows@2) decides the path; no marker, so no TemporalChangeVersion upsert.
    const counts = countActions(recorded('v7-5af422e.event-processed.json'));
    expect(counts).toEqual({
      grpc_StartWorkflowExecution: 1,
      command_BatchMarkers: 1,
      command_ScheduleActivityTask: 1,
    });
    expect(totalActions(counts)).toBe(3);
    expect(billedActions(counts)).toBe(3);
  });

  it('counts an activity retry and the update that replayed a parked event', () => {
    const retried = countActions(recorded('v4-8552554.event-retried.json'));
    expect(retried.activity_retry).toBe(1);
    const replayed = countActions(recorded('v4-8552554.event-parked-replayed.json'));
    expect(replayed['message_UpdateWorkflowExecution:Acceptance']).toBe(1);
  });

  it('counts the markers of one workflow task once, and of two tasks twice', () => {
    const marker = (task: string) => ({
      markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: task },
    });
    expect(countActions({ events: [marker('4'), marker('4'), marker('4')] })).toEqual({ command_BatchMarkers: 1 });
    expect(countActions({ events: [marker('4'), marker('9')] })).toEqual({ command_BatchMarkers: 2 });
  });

  it('counts timers, children twice, signals, and keeps TemporalChangeVersion upserts apart', () => {
    const changeVersion = {
      upsertWorkflowSearchAttributesEventAttributes: {
        searchAttributes: { indexedFields: { TemporalChangeVersion: {} } },
      },
    };
    const counts = countActions({
      events: [
        { timerStartedEventAttributes: {} },
        { startChildWorkflowExecutionInitiatedEventAttributes: {} },
        { workflowExecutionSignaledEventAttributes: {} },
        { activityTaskStartedEventAttributes: { attempt: 4 } },
        changeVersion,
      ],
    });
    expect(counts).toEqual({
      command_StartTimer: 1,
      command_StartChildWorkflowExecution: 1,
      command_StartChildWorkflowExecution_Extra: 1,
      grpc_SignalWorkflowExecution: 1,
      activity_retry: 3,
      'command_UpsertWorkflowSearchAttributes:TemporalChangeVersion': 1,
    });
    expect(totalActions(counts)).toBe(8);
    expect(billedActions(counts)).toBe(7);
  });
});

describe("reading the server's own action metric", () => {
  const page = (n: number) =>
    [
      '# TYPE action counter',
      `action{action_type="grpc_StartWorkflowExecution",namespace="default",operation="StartWorkflowExecution",service_name="frontend"} ${n}`,
      `action{action_type="command_BatchMarkers",namespace="default",operation="RespondWorkflowTaskCompleted",service_name="frontend"} ${2 * n}`,
      'action{action_type="grpc_StartWorkflowExecution",namespace="temporal_system",operation="StartWorkflowExecution",service_name="frontend"} 7',
      'action_other{action_type="x",namespace="default"} 1',
      'action{action_type="message_UpdateWorkflowExecution_Acceptance",namespace="default"} 1',
    ].join('\n');

  it('sums one namespace by action_type, and what a later page gained', () => {
    expect(actionMetric(page(1))).toEqual({
      grpc_StartWorkflowExecution: 1,
      command_BatchMarkers: 2,
      'message_UpdateWorkflowExecution:Acceptance': 1,
    });
    expect(countsSince(actionMetric(page(4)), actionMetric(page(1)))).toEqual({
      grpc_StartWorkflowExecution: 3,
      command_BatchMarkers: 6,
    });
    expect(countsSince(actionMetric(page(1)), actionMetric(page(1)))).toEqual({});
  });
});
