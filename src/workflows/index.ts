// Workflow entry points registered with the worker.
export { processEvent } from './processEvent';
export { reconcileConnection, reconcileHealth } from './reconcile';
export { pruneEventRows } from './retention';
