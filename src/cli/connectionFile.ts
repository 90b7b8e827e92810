// Reads a connections file for `connections add` and `seed`: one connection
// object, or the seed-file shape { connections: [...] }. Every entry is checked
// (schema, connector, connector settings, unique ids) before anything is
// written, so a bad entry never leaves the file half applied. Error messages
// name the place, never the content: the file holds secrets.
import fs from 'node:fs';
import type { z } from 'zod';
import { type ConnectionInput, connectionInputSchema, seedFileSchema } from '../connections/input';
import { describeUnknownKeys, unknownSettingsKeys } from '../connections/settingsKeys';
import { getConnector } from '../connectors/connectorRegistry';
import { InputError } from '../errors/cliErrors';

function problems(prefix: string, error: z.ZodError): string {
  return error.issues
    .map((i) => `${[prefix, ...i.path.map(String)].filter((p) => p !== '').join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // Newer V8 quotes the text around the error; keep only the position.
    const at = /position \d+/.exec((err as Error).message)?.[0];
    throw new InputError(`${file} is not valid JSON${at ? ` (${at})` : ''}`);
  }
}

const FIELDS = new Set(Object.keys(connectionInputSchema.shape));

// The schema drops unknown fields silently; here a typo ("signingSecret") must
// not quietly create a connection without secrets.
function rejectUnknownFields(file: string, entries: unknown[]): void {
  entries.forEach((entry, i) => {
    const unknown = Object.keys(entry as object).filter((k) => !FIELDS.has(k));
    if (unknown.length > 0)
      throw new InputError(
        `${file}: connection #${i + 1}: unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}`,
      );
  });
}

/** `seedShapeOnly`: require { connections: [...] }, as src/connections/seed.ts does. */
export function readConnectionsFile(file: string, opts: { seedShapeOnly?: boolean } = {}): ConnectionInput[] {
  const raw = readJsonFile(file);
  const isSeedShape = typeof raw === 'object' && raw !== null && 'connections' in raw;
  let list: ConnectionInput[];
  if (isSeedShape || opts.seedShapeOnly) {
    const parsed = seedFileSchema.safeParse(raw);
    if (!parsed.success) throw new InputError(`${file}: ${problems('', parsed.error)}`);
    rejectUnknownFields(file, (raw as { connections: unknown[] }).connections);
    list = parsed.data.connections;
  } else {
    const parsed = connectionInputSchema.safeParse(raw);
    if (!parsed.success) throw new InputError(`${file}: ${problems('', parsed.error)}`);
    rejectUnknownFields(file, [raw]);
    list = [parsed.data];
  }
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c.id)) throw new InputError(`${file}: connection id "${c.id}" appears twice`);
    seen.add(c.id);
    let schema;
    try {
      schema = getConnector(c.connector).settingsSchema;
    } catch (err) {
      throw new InputError(`${file}: connection ${c.id}: ${(err as Error).message}`);
    }
    const settings = schema.safeParse(c.settings);
    if (!settings.success)
      throw new InputError(`${file}: connection ${c.id}: invalid settings: ${problems('settings', settings.error)}`);
    const unknown = unknownSettingsKeys(schema, c.settings);
    if (unknown.length > 0)
      throw new InputError(
        `${file}: connection ${c.id}: unknown settings ${describeUnknownKeys(unknown.map((k) => ({ ...k, path: `settings.${k.path}` })))}`,
      );
  }
  return list;
}
