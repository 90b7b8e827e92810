// Workflow entry points registered with the worker.
export { processEvent } from './processEvent';
