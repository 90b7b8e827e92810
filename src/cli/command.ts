// The shape every CLI command has. A command group is one file exporting a
// list of these; registry.ts puts the groups in one map. A command returns its
// result once, as data (printed with --json) and as text (printed otherwise).
import type { Env } from '../config';
import type { Logger } from '../infra/log';
import type { Runtime } from '../system/runtime';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface Args {
  positionals: string[];
  values: OptionValues;
}

export interface Output {
  data: unknown;
  text: string;
}

export interface Context {
  env: Env;
  log: Logger;
  /** Opens the database on first use (migrated unless told otherwise); main closes it. */
  runtime(opts?: { migrate?: boolean }): Promise<Runtime>;
  /** A line for people, on stdout at once, before the result (e.g. a count before acting); nothing with --json, whose stdout is the result alone. */
  say(line: string): void;
}

export interface Command {
  /** The words that select it, e.g. "connections secrets add". */
  name: string;
  /** What follows the name in the usage line, e.g. "<id> --secret <s>". */
  args: string;
  summary: string;
  /** Names of the required positional arguments, in order; no others are accepted. */
  positionals?: string[];
  options?: Record<string, OptionSpec>;
  run(ctx: Context, args: Args): Promise<Output>;
}

export function usageOf(c: Command): string {
  return `syncline ${c.name}${c.args ? ` ${c.args}` : ''}`;
}
