// `seed`: loads the seed file (see config/connections.example.json) through
// src/connections/seed.ts. The file is checked in full first, so a bad entry
// is reported before any connection is written.
import { syncSchedulesAfterChange } from './reconcileCommands';
import fs from 'node:fs';
import { seedConnections } from '../connections/seed';
import { stringOption } from './args';
import type { Command } from './command';
import { readConnectionsFile } from './connectionFile';
import { InputError } from '../errors/cliErrors';

export const DEFAULT_SEED_FILE = 'config/connections.dev.json';

const seed: Command = {
  name: 'seed',
  args: '[--file <path>]',
  summary: `create or update the connections of a seed file (default: SEED_FILE, else ${DEFAULT_SEED_FILE})`,
  options: { file: { type: 'string', short: 'f' } },
  async run(ctx, args) {
    const file = stringOption(seed, args, 'file') ?? ctx.env.SEED_FILE ?? DEFAULT_SEED_FILE;
    if (!fs.existsSync(file)) {
      throw new InputError(`seed file ${file} not found: copy config/connections.example.json there, or pass --file`);
    }
    readConnectionsFile(file, { seedShapeOnly: true });
    const rt = await ctx.runtime();
    const ids: string[] = [];
    const counts = await seedConnections(file, rt.connections, ctx.log, async (id) => void ids.push(id));
    const schedules = await syncSchedulesAfterChange(ctx, ids);
    const text = `seeded ${file}: ${counts.created ?? 0} created, ${counts.updated ?? 0} updated, ${counts.unchanged ?? 0} unchanged\n${schedules}`;
    return { data: { file, ...counts }, text };
  },
};

export const seedCommands: Command[] = [seed];
