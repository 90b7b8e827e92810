// A process that installs onShutdown with a clock the test sets (SHUTDOWN_CLOCK):
// `frozen` never advances, so every repeat signal falls inside the same key press;
// `late` jumps past SAME_PRESS_MS after the first signal. Its one stopper waits for
// a line on stdin, so a second signal surely arrives while it is draining.
import readline from 'node:readline';
import { createLogger } from '../../src/infra/log';
import { onShutdown, SAME_PRESS_MS } from '../../src/system/shutdown';

const log = createLogger('debug', 'shutdown-child');
let calls = 0;
const nowMs = process.env.SHUTDOWN_CLOCK === 'late' ? () => (calls++ === 0 ? 0 : SAME_PRESS_MS + 1) : () => 0;
const lines = readline.createInterface({ input: process.stdin });
const released = new Promise<void>((resolve) => lines.once('line', () => resolve()));
onShutdown(log, [() => released], { nowMs });
log.info({ event: 'child.ready' }, 'ready');
setInterval(() => undefined, 1_000); // stay alive until a signal
