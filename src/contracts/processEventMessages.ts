// The processEvent workflow's message contract, shared by the workflow, the ops
// CLI, the admin API and the activities that signal parked events.
//   updates  replay / skip: validated, with a typed result (what the CLI uses)
//   signals  replay / skip: fire-and-forget (bulk actions, `temporal workflow signal`)
//   signal   supersede: sent when the event's object reached a newer version elsewhere
//   query    state: status, runs, last error, actions taken
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionResult, EventState, OperatorRequest, SupersedeNotice } from './processEventContract';

export const replayUpdate = defineUpdate<ActionResult, [OperatorRequest]>('replay');
export const skipUpdate = defineUpdate<ActionResult, [OperatorRequest]>('skip');
export const replaySignal = defineSignal<[OperatorRequest]>('replayEvent');
export const skipSignal = defineSignal<[OperatorRequest]>('skipEvent');
export const supersedeSignal = defineSignal<[SupersedeNotice]>('supersede');
export const stateQuery = defineQuery<EventState>('state');
