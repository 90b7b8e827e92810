// Every CLI command, by name. Adding a command group: one file exporting a
// `Command[]` and one line in GROUPS.
import { type Command, usageOf } from './command';
import { connectionCommands } from './connectionCommands';
import { eventActionCommands } from './eventActionCommands';
import { eventCommands } from './eventCommands';
import { migrateCommands } from './migrateCommands';
import { reconcileCommands } from './reconcileCommands';
import { recordCommands } from './recordCommands';
import { secretCommands } from './secretCommands';
import { seedCommands } from './seedCommands';
import { UnknownCommandError } from '../errors/cliErrors';

const GROUPS: Command[][] = [
  connectionCommands,
  secretCommands,
  seedCommands,
  eventCommands,
  eventActionCommands,
  recordCommands,
  migrateCommands,
  reconcileCommands,
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

export function usageText(): string {
  const width = Math.max(...[...COMMANDS.values()].map((c) => usageOf(c).length));
  const lines = [...COMMANDS.values()].map((c) => `  ${usageOf(c).padEnd(width)}  ${c.summary}`);
  return [
    'usage: syncline <command> [options]',
    '',
    'commands:',
    ...lines,
    `  ${'syncline help'.padEnd(width)}  this text`,
    '',
    'options for every command:',
    '  --json       machine-readable output on stdout',
    '  -h, --help   usage of the command',
    '',
    'configuration comes from the environment (DATABASE_URL, ENCRYPTION_KEY, TEMPORAL_ADDRESS, ...; see src/config).',
    'exit codes: 0 ok, 1 operational failure, 2 bad command line or input file.',
  ].join('\n');
}
