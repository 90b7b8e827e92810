// One free-port helper for tests and benchmarks.
export { freePort } from '../../test/support/ports';
