// The one map from a failure to the CLI's exit code: 0 success, 1 an
// operational failure (database down, row not found, a refused change), 2 a
// bad command line or a bad input file. Each error class declares its code in
// its meaning (src/errors); anything else is operational.
import { meaningOf } from '../errors';
import { EXIT_FAILURE } from '../errors/meaning';

export { EXIT_OK } from '../errors/meaning';

export function exitCodeOf(err: unknown): number {
  return meaningOf(err)?.exitCode ?? EXIT_FAILURE;
}
