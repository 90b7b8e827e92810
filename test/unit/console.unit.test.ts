// The developer's console: readable log lines on a terminal, and a CLI help
// that fits a 100-column terminal.
import { describe, expect, it } from 'vitest';
import { formatLogLine, prettyDestination, wantsPretty } from '../../src/infra/consoleFormat';
import { createLogger } from '../../src/infra/log';
import { forwardSdkLog } from '../../src/temporal/runtimeLogging';
import { COMMANDS, HELP_WIDTH, usageText, wrap } from '../../src/cli/commandRegistry';

describe('readable log lines', () => {
  it('shows time, level, process, event, message and the other fields as key=value', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 11, 1, 19, 4, 56, 123),
      pid: 1,
      hostname: 'h',
      name: 'syncline-api',
      event: 'webhook.accepted',
      msg: 'accepted',
      connectionId: 'acme',
      status: 202,
      note: 'two words',
    });
    expect(formatLogLine(line, false)).toBe(
      '19:04:56.123  INFO   api       webhook.accepted  accepted  connectionId=acme  status=202  note="two words"\n',
    );
  });

  it('indents an error stack under its line, and passes anything that is not a JSON object through', () => {
    const line = JSON.stringify({
      level: 50,
      time: 0,
      name: 'syncline',
      msg: 'boom',
      err: { stack: 'Error: boom\n  at x' },
    });
    expect(formatLogLine(line, false)).toBe('00:00:00.000  ERROR  syncline  boom\n    Error: boom\n      at x\n');
    expect(formatLogLine('plain text', false)).toBe('plain text');
    expect(formatLogLine('[1,2]', false)).toBe('[1,2]');
  });

  it('rewrites what a pino logger writes, line by line, with secrets still redacted', () => {
    let out = '';
    const log = createLogger(
      'info',
      'syncline-worker',
      prettyDestination({ write: (s: string) => (out += s) } as never, false),
    );
    log.info({ event: 'worker.started', secret: 'whsec_x', taskQueue: 'q' }, 'worker running');
    expect(out).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} {2}INFO {3}worker {4}worker\.started {2}worker running {2}secret=\[redacted\] {2}taskQueue=q\n$/,
    );
    expect(out).not.toContain('whsec_x');
  });

  it('is on for a terminal with LOG_FORMAT=auto, and when forced; JSON otherwise', () => {
    expect(wantsPretty('auto', true)).toBe(true);
    expect(wantsPretty('auto', false)).toBe(false);
    expect(wantsPretty('auto', undefined)).toBe(false);
    expect(wantsPretty('pretty', false)).toBe(true);
    expect(wantsPretty('json', true)).toBe(false);
  });
});

describe('CLI help', () => {
  const text = usageText();

  it('fits a 100-column terminal', () => {
    const wide = text.split('\n').filter((l) => l.length > HELP_WIDTH);
    expect(wide).toEqual([]);
  });

  it('lists every command on a line of its own, with its options beneath it', () => {
    const lines = text.split('\n');
    for (const name of COMMANDS.keys()) {
      const at = lines.findIndex((l) => l === `  syncline ${name}` || l.startsWith(`  syncline ${name} <`));
      expect(at, name).toBeGreaterThan(0);
    }
    const bulk = lines.findIndex((l) => l === '  syncline events bulk replay');
    expect(lines[bulk + 1]).toMatch(/^ {6}\[--connection <id>\]/);
    expect(lines.some((l) => l.includes('--dry-run'))).toBe(true);
  });

  it('wraps words without splitting them', () => {
    expect(wrap('aaa bbb ccc', '  ', 9)).toEqual(['  aaa bbb', '  ccc']);
    expect(wrap('averyveryverylongword b', '', 5)).toEqual(['averyveryverylongword', 'b']);
  });
});

describe('Temporal SDK logs', () => {
  it('keep the first line of a multi-line info message (the webpack report) at info, the whole report at debug', () => {
    const lines: Array<{ level: number; msg: string; report?: string }> = [];
    const log = createLogger('debug', 'w', { write: (s: string) => lines.push(JSON.parse(s)) } as never);
    forwardSdkLog(log, {
      level: 'INFO',
      message: 'asset workflow-bundle.js 1.2 MiB [emitted]\nruntime modules 1 KiB\nwebpack compiled',
      timestampNanos: 0n,
    });
    forwardSdkLog(log, { level: 'WARN', message: 'one line', timestampNanos: 0n });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'asset workflow-bundle.js 1.2 MiB [emitted]'],
      [20, 'full report'],
      [40, 'one line'],
    ]);
    expect(lines[1]!.report).toContain('webpack compiled');
  });
});
