// The buffered stdout log: lines are batched, yet none is lost when the process
// exits (pino flushes on exit) and none lingers longer than the periodic flush.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const script = (body: string) => `
  const { createLogger, stdoutDestination } = require('./src/infra/log.ts');
  const log = createLogger('info', 't', stdoutDestination(4096));
  ${body}`;

describe('stdoutDestination', () => {
  it('writes every buffered line before process.exit', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        script(`
      for (let i = 0; i < 30; i++) log.info({ event: 'line', i }, 'x');
      process.exit(0);`),
      ],
      { cwd: ROOT },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number });
    expect(lines.map((l) => l.i)).toEqual([...Array(30).keys()]);
  });

  it('writes a lone line within the periodic flush while the process keeps running', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        script(`
      log.info({ event: 'lone' }, 'x');
      setTimeout(() => {}, 20000);`),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const line = await new Promise<string>((resolve) =>
        child.stdout.once('data', (d: Buffer) => resolve(d.toString())),
      );
      expect(JSON.parse(line)).toMatchObject({ event: 'lone' });
    } finally {
      child.kill('SIGKILL');
    }
  }, 20_000);
});
