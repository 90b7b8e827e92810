// Workflow entry points registered with the worker.
export { processEvent } from './processEvent';
export { reconcileConnection } from './reconcileConnection';
export { reconcileHealth } from './reconcileHealth';
export { pruneEventRows } from './pruneEventRows';
export { sweepClosedWorkflows } from './sweepClosedWorkflows';
export { notifyProduct } from './notifyProduct';
