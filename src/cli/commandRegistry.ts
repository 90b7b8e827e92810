// Every CLI command, by name. Adding a command group: one file exporting a
// `Command[]` and one line in GROUPS.
import type { Command } from './command';
import { connectionCommands } from './connectionCommands';
import { eventActionCommands } from './eventActionCommands';
import { eventCommands } from './eventCommands';
import { keyCommands } from './keyCommands';
import { migrateCommands } from './migrateCommands';
import { notificationCommands } from './notificationCommands';
import { reconcileCommands } from './reconcileCommands';
import { recordCommands } from './recordCommands';
import { secretCommands } from './secretCommands';
import { seedCommands } from './seedCommands';
import { UnknownCommandError } from '../errors/cliErrors';

const GROUPS: Command[][] = [
  connectionCommands,
  secretCommands,
  keyCommands,
  seedCommands,
  eventCommands,
  eventActionCommands,
  recordCommands,
  migrateCommands,
  reconcileCommands,
  notificationCommands,
];

export const COMMANDS: ReadonlyMap<string, Command> = new Map(GROUPS.flat().map((c) => [c.name, c]));

const MAX_NAME_WORDS = Math.max(...[...COMMANDS.keys()].map((n) => n.split(' ').length));

/** The command named by the longest run of leading words, and the arguments after it. */
export function findCommand(argv: string[]): { command: Command; rest: string[] } {
  for (let n = Math.min(MAX_NAME_WORDS, argv.length); n > 0; n--) {
    const command = COMMANDS.get(argv.slice(0, n).join(' '));
    if (command) return { command, rest: argv.slice(n) };
  }
  const named = knownPrefix(argv);
  throw new UnknownCommandError(named ? `unknown command "${named}"` : 'no command given');
}

/** The leading words that match some command name, plus the first that does not; later words may be values. */
function knownPrefix(argv: string[]): string {
  const names = [...COMMANDS.keys()];
  const words: string[] = [];
  for (const w of argv.slice(0, MAX_NAME_WORDS)) {
    words.push(w.startsWith('-') ? '' : w);
    const prefix = `${words.join(' ')} `;
    if (!names.some((n) => `${n} `.startsWith(prefix))) break;
  }
  return words.filter(Boolean).join(' ');
}

/** The help text's width: it fits a 100-column terminal. */
export const HELP_WIDTH = 100;

/** Words joined into lines of at most `width` characters, each starting with `indent`. A word longer than a line stands alone. */
export function wrap(text: string, indent: string, width = HELP_WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** Splits a usage string into its positional part and its options (`[--x <v>]`, `--x <v>`), keeping each option whole. */
function usageParts(args: string): { positional: string; options: string[] } {
  const tokens = args.match(/\[[^\]]*\]|--\S+(?: <[^>]*>)?|\S+/g) ?? [];
  const isOption = (t: string) => t.startsWith('--') || t.startsWith('[--');
  const firstOption = tokens.findIndex(isOption);
  const cut = firstOption < 0 ? tokens.length : firstOption;
  return { positional: tokens.slice(0, cut).join(' '), options: tokens.slice(cut) };
}

/** One command's help: its name and positionals, its options beneath, then what it does. */
function commandHelp(name: string, args: string, summary: string): string[] {
  const { positional, options } = usageParts(args);
  const head = `  syncline ${name}${positional ? ` ${positional}` : ''}`;
  const optionLines: string[] = [];
  let line = '';
  for (const opt of options) {
    if (line && 6 + line.length + 1 + opt.length > HELP_WIDTH) {
      optionLines.push(`      ${line}`);
      line = opt;
    } else line = line ? `${line} ${opt}` : opt;
  }
  if (line) optionLines.push(`      ${line}`);
  return [head, ...optionLines, ...wrap(summary, '        ')];
}

export function usageText(): string {
  const sections = GROUPS.map((group) => group.flatMap((c) => commandHelp(c.name, c.args, c.summary)));
  return [
    'usage: syncline <command> [options]',
    '',
    'commands:',
    ...sections.flatMap((lines) => [...lines, '']),
    ...commandHelp('help', '', 'this text'),
    '',
    'options for every command:',
    '  --json       machine-readable output on stdout',
    '  -h, --help   usage of the command',
    '',
    ...wrap(
      'configuration comes from the environment (DATABASE_URL, ENCRYPTION_KEY, TEMPORAL_ADDRESS, ...; see docs/operations.md).',
      '',
    ),
    'exit codes: 0 ok, 1 operational failure, 2 bad command line or input file.',
  ].join('\n');
}
