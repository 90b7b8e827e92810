// The syncline ops CLI: `npm run syncline -- <command>` or `npx syncline <command>`.
// Output goes to stdout (tables, or JSON with --json); logs and errors go to
// stderr. Exit codes: 0 ok, 1 operational failure, 2 bad command line or input
// (see errors.ts). Configuration comes from parseEnv, like every entry point.
import { parseEnv } from '../config';
import { parseCommandArgs } from './args';
import { usageOf } from './command';
import { createContext } from './context';
import { EXIT_OK, exitCodeOf } from './exitCodes';
import { toJson } from './format';
import { findCommand, usageText } from './commandRegistry';
import {
  InputError,
  NotFoundError,
  RefusedError,
  UnavailableError,
  UnknownCommandError,
  UsageError,
} from '../errors/cliErrors';

const HELP_WORDS = new Set(['help', '--help', '-h']);
const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || HELP_WORDS.has(argv[0] ?? '')) {
    const topic = argv.length > 1 ? findCommand(argv.slice(1)).command : undefined;
    process.stdout.write(`${topic ? `usage: ${usageOf(topic)}\n  ${topic.summary}` : usageText()}\n`);
    return EXIT_OK;
  }
  const { command, rest } = findCommand(argv);
  const args = parseCommandArgs(command, rest);
  if (args.values.help === true) {
    process.stdout.write(`usage: ${usageOf(command)}\n  ${command.summary}\n`);
    return EXIT_OK;
  }
  const ctx = createContext(parseEnv(), { json: args.values.json === true });
  const stop = (signal: NodeJS.Signals) => {
    void ctx.close().finally(() => process.exit(SIGNAL_EXIT_CODES[signal] ?? 1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const out = await command.run(ctx, args);
    process.stdout.write(`${args.values.json === true ? toJson(out.data) : out.text}\n`);
    return EXIT_OK;
  } finally {
    await ctx.close();
  }
}

function report(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e instanceof UnknownCommandError) {
    process.stderr.write(`syncline: ${e.message}\n\n${usageText()}\n`);
  } else if (e instanceof UsageError) {
    process.stderr.write(
      `syncline: ${e.message}\n${e.usage ? `usage: ${e.usage}\n` : ''}run "syncline help" for every command\n`,
    );
  } else {
    // The CLI's own failures read as sentences; anything else keeps its class name for the bug report.
    const own =
      e instanceof InputError ||
      e instanceof NotFoundError ||
      e instanceof RefusedError ||
      e instanceof UnavailableError ||
      e.name === 'Error';
    process.stderr.write(`syncline: ${own ? '' : `${e.name}: `}${e.message}\n`);
  }
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    report(err);
    process.exit(exitCodeOf(err));
  });
