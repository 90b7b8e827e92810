// Command-line parsing with node:util parseArgs (strict: unknown options and
// missing values are errors), plus typed readers for option values. Every
// failure is a UsageError carrying the command's usage line.
import { parseArgs } from 'node:util';
import { type Args, type Command, type OptionSpec, usageOf } from './command';
import { UsageError } from '../errors/cliErrors';

/** Accepted by every command. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export function parseCommandArgs(command: Command, argv: string[]): Args {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message, usageOf(command));
  }
  const args: Args = { positionals: parsed.positionals, values: parsed.values as Args['values'] };
  if (args.values.help === true) return args;
  const expected = command.positionals ?? [];
  if (args.positionals.length < expected.length) {
    throw new UsageError(`missing <${expected[args.positionals.length]}>`, usageOf(command));
  }
  if (args.positionals.length > expected.length) {
    // Not echoed: a stray positional is often a secret that lost its --secret.
    throw new UsageError(
      `unexpected extra argument (${args.positionals.length - expected.length} more than expected)`,
      usageOf(command),
    );
  }
  return args;
}

export function stringOption(command: Command, args: Args, name: string): string | undefined {
  const v = args.values[name];
  if (v === '') throw new UsageError(`--${name} must not be empty`, usageOf(command));
  return typeof v === 'string' ? v : undefined;
}

export function requiredOption(command: Command, args: Args, name: string): string {
  const v = stringOption(command, args, name);
  if (v === undefined) throw new UsageError(`--${name} is required`, usageOf(command));
  return v;
}

/** An integer option within [min, max]; `fallback` when absent. */
export function intOption(
  command: Command,
  args: Args,
  name: string,
  range: { fallback: number; min: number; max: number },
): number {
  const v = stringOption(command, args, name);
  if (v === undefined) return range.fallback;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= range.min && n <= range.max))
    throw new UsageError(`--${name} must be an integer from ${range.min} to ${range.max}`, usageOf(command));
  return n;
}

/** An ISO 8601 time (e.g. 2024-05-01T12:00:00Z); undefined when absent. */
export function dateOption(command: Command, args: Args, name: string): Date | undefined {
  const v = stringOption(command, args, name);
  if (v === undefined) return undefined;
  const d = /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`--${name} must be an ISO time such as 2024-05-01T12:00:00Z`, usageOf(command));
  return d;
}
