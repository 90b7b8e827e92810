// One Ctrl-C under `npm start` reaches the process twice (the terminal signals
// the whole process group, and npm forwards the signal it got): that must stay
// a graceful drain. A Ctrl-C pressed again later still forces the exit. The
// clock is the test's, so no assertion depends on how fast this machine is.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait';

const ROOT = path.resolve(__dirname, '../..');

function child(clock: 'frozen' | 'late') {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/shutdownChild.ts'], {
    cwd: ROOT,
    env: { ...process.env, SHUTDOWN_CLOCK: clock },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const logged = (event: string) => waitFor(event, async () => out.includes(`"event":"${event}"`));
  return { proc, exited, logged, output: () => out };
}

describe('shutdown signals', () => {
  it('takes the same signal again within the same key press as that key press: it drains, then exits 0', async () => {
    const c = child('frozen');
    await c.logged('child.ready');
    c.proc.kill('SIGINT');
    await c.logged('shutdown.started');
    c.proc.kill('SIGINT');
    await c.logged('shutdown.repeat_ignored');
    c.proc.stdin.write('drained\n');
    expect(await c.exited).toBe(0);
    expect(c.output()).toContain('"event":"shutdown.done"');
    expect(c.output()).not.toContain('shutdown.forced');
  });

  it('exits at once with 130 on a signal that comes after the key press window, mid-drain', async () => {
    const c = child('late');
    await c.logged('child.ready');
    c.proc.kill('SIGINT');
    await c.logged('shutdown.started');
    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(130);
    expect(c.output()).toContain('"event":"shutdown.forced"');
    expect(c.output()).not.toContain('shutdown.done');
  });
});
