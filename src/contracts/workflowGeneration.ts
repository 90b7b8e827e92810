// Which generation of syncline's workflow code completed a run's first workflow
// task. Every syncline worker stamps its tasks with a build id naming its
// generation (src/worker/createWorker.ts); Temporal records the build id on each
// WorkflowTaskCompleted event, and the SDK hands it back on replay as
// workflowInfo().currentDeploymentVersion, so branching on it is deterministic
// (the SDK's own flags branch on it) and costs no command. patched() would cost
// a marker and a TemporalChangeVersion upsert, which the server's `action`
// metric counts as one more Action per run (issue 17, BENCHMARKS.md "Cost").
// Deterministic and dependency-free: it is bundled into workflows.
//
// Generations (never reuse or lower one; a worker must not claim a generation
// whose workflow code it does not run):
//   1  every worker before this module: the SDK's default build id
//      (`@temporalio/worker@<version>+<bundle hash>`), any shape of processEvent
//   2  processEvent's one activity and one local batch without a patch marker
//   3  processEvent's partner fetch (fetchAndFinish) as a local activity in the
//      registration's workflow task: start, one task, one marker batch (issue 17
//      goal 2); generation-2 runs a generation-3 worker continues keep the activity

export const WORKFLOW_GENERATION = 3;

const PREFIX = 'syncline-workflows@';

/** The build id a worker running this checkout's workflow code stamps on its workflow tasks. */
export function workerBuildId(generation: number = WORKFLOW_GENERATION): string {
  return `${PREFIX}${generation}`;
}

/** The generation a build id names; 1 for any other build id (the SDK default), or none. */
export function generationOf(buildId: string | undefined): number {
  if (!buildId?.startsWith(PREFIX)) return 1;
  const n = Number(buildId.slice(PREFIX.length).split('+')[0]);
  return Number.isInteger(n) && n > 1 ? n : 1;
}
