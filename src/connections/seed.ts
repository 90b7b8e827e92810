// Loads the documented seed file (see config/connections.example.json) and
// creates or updates each connection. Running it twice changes nothing.
import fs from 'node:fs';
import type { Logger } from '../infra/log';
import { seedFileSchema } from './input';
import type { ConnectionRepository } from './repository';

/** `afterEach` runs for every connection, changed or not (e.g. ScheduleManager.syncConnection: it converges cheaply). */
export async function seedConnections(
  file: string,
  repo: ConnectionRepository,
  log: Logger,
  afterEach?: (connectionId: string) => Promise<unknown>,
): Promise<Record<string, number>> {
  const parsed = seedFileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`seed file ${file} is invalid: ${problems}`);
  }
  const counts: Record<string, number> = { created: 0, updated: 0, unchanged: 0 };
  for (const c of parsed.data.connections) {
    const result = await repo.upsert(c);
    counts[result] = (counts[result] ?? 0) + 1;
    if (afterEach) await afterEach(c.id);
  }
  log.info({ event: 'connections.seeded', file, ...counts }, 'connections seeded');
  return counts;
}
