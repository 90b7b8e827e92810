// The ops CLI's parsing and rendering, without a database: which command a
// command line names, how bad arguments are reported, and what tables look like.
import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../src/cli/args';
import { exitCodeOf } from '../../src/cli/exitCodes';
import { table, toJson, truncate } from '../../src/cli/format';
import { findCommand } from '../../src/cli/commandRegistry';
import { fingerprint } from '../../src/cli/sealed';
import { UnknownCommandError, UsageError } from '../../src/errors/cliErrors';

describe('findCommand', () => {
  it('picks the longest command name the leading words spell, and hands on the rest', () => {
    const { command, rest } = findCommand(['connections', 'secrets', 'add', 'acme', '--secret', 's']);
    expect(command.name).toBe('connections secrets add');
    expect(rest).toEqual(['acme', '--secret', 's']);
  });

  it('names only the words that look like a command when none matches, never later values', () => {
    expect(() => findCommand(['events', 'lsit', 'whsec_value'])).toThrow(
      new UnknownCommandError('unknown command "events lsit"'),
    );
    expect(() => findCommand(['--json'])).toThrow(UnknownCommandError);
  });
});

describe('parseCommandArgs', () => {
  const show = findCommand(['events', 'show']).command;

  it('returns positionals and options, --json included', () => {
    expect(parseCommandArgs(show, ['c1', 'e1', '--json'])).toEqual({
      positionals: ['c1', 'e1'],
      values: { json: true },
    });
  });

  it('names a missing positional and carries the usage line', () => {
    const err = (() => {
      try {
        parseCommandArgs(show, ['c1']);
      } catch (e) {
        return e;
      }
    })() as UsageError;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('missing <eventId>');
    expect(err.usage).toBe('syncline events show <connectionId> <eventId>');
  });

  it('does not echo an extra positional, which is often a secret that lost its flag', () => {
    expect(() => parseCommandArgs(show, ['c1', 'e1', 'whsec_oops'])).toThrow(
      /^unexpected extra argument \(1 more than expected\)$/,
    );
  });

  it('rejects unknown options as a usage error (exit code 2)', () => {
    const err = (() => {
      try {
        parseCommandArgs(show, ['c1', 'e1', '--nope']);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(exitCodeOf(err)).toBe(2);
  });
});

describe('rendering', () => {
  it('aligns table columns and marks empty cells', () => {
    expect(
      table(
        ['ID', 'ENABLED', 'URL'],
        [
          ['a', true, null],
          ['long-id', false, 'http://x'],
        ],
      ),
    ).toBe(['ID       ENABLED  URL', 'a        true     -', 'long-id  false    http://x'].join('\n'));
    expect(table(['ID'], [])).toBe('(none)');
  });

  it('cuts long text to one line with an ellipsis', () => {
    expect(truncate('line one\nline two', 12)).toBe('line one li…');
  });

  it('writes bigint as a string in JSON', () => {
    expect(JSON.parse(toJson({ version: 12345678901234567890n }))).toEqual({ version: '12345678901234567890' });
  });

  it('fingerprints a secret as a sha256 prefix', () => {
    expect(fingerprint('abc')).toBe('sha256:ba7816bf8f01');
  });
});
