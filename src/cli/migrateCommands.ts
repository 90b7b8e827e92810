// `migrate`: applies pending migrations (src/db/migrate.ts) and names them.
// Every other command also migrates on open, as the API and worker do; this
// one exists to do it explicitly and see what was applied.
import { migrate as applyMigrations } from '../db/migrate';
import type { Command } from './command';

const migrate: Command = {
  name: 'migrate',
  args: '',
  summary: 'apply pending database migrations and print their names',
  async run(ctx) {
    const rt = await ctx.runtime({ migrate: false });
    const applied = await applyMigrations(rt.database.url);
    const text =
      applied.length > 0
        ? `applied ${applied.length} migration(s):\n${applied.map((n) => `  ${n}`).join('\n')}`
        : 'no pending migrations';
    return { data: { applied, database: rt.database.kind }, text };
  },
};

export const migrateCommands: Command[] = [migrate];
