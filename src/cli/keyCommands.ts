// `keys rotate`: re-encrypts every connection's secrets under the current
// ENCRYPTION_KEY, so a key listed in ENCRYPTION_KEYS_PREVIOUS can be retired.
// Rotation: set the new key as ENCRYPTION_KEY and the old one in
// ENCRYPTION_KEYS_PREVIOUS on every process, run this, then drop the old key.
// Each row is rewritten only if it still holds what was read (a concurrent
// change wins and is already under the current key). A row no configured key
// opens is reported and the command fails: the old key is still needed.
// Sealed workflow inputs of events in flight are MACed with the key of their
// time; once that key is gone they are fetched from the partner, not trusted.
import type { Command } from './command';
import { table } from './format';
import { RefusedError } from '../errors/cliErrors';
import { listConnectionRows, resealConnectionRow } from '../store/connectionRows';

const rotate: Command = {
  name: 'keys rotate',
  args: '',
  summary: "re-encrypt every connection's secrets under the current ENCRYPTION_KEY (then the previous keys can go)",
  async run(ctx) {
    const rt = await ctx.runtime();
    const rows = await listConnectionRows(rt.db);
    const results: { id: string; result: 'rotated' | 'current' | 'changed meanwhile' | 'unreadable' }[] = [];
    for (const row of rows) {
      if (!rt.box.isStale(row.secretsEnc)) {
        results.push({ id: row.id, result: 'current' });
        continue;
      }
      let plain: string;
      try {
        plain = rt.box.open(row.secretsEnc);
      } catch {
        results.push({ id: row.id, result: 'unreadable' });
        continue;
      }
      const replaced = await resealConnectionRow(rt.db, row.id, row.secretsEnc, rt.box.seal(plain));
      results.push({ id: row.id, result: replaced ? 'rotated' : 'changed meanwhile' });
    }
    rt.connections.invalidate();
    const unreadable = results.filter((r) => r.result === 'unreadable').map((r) => r.id);
    if (unreadable.length > 0)
      throw new RefusedError(
        `${unreadable.length} connection(s) are sealed under a key that is not configured (keep it in ENCRYPTION_KEYS_PREVIOUS): ${unreadable.join(', ')}`,
      );
    const rotated = results.filter((r) => r.result === 'rotated').length;
    return {
      data: { rotated, connections: results },
      text: `${rotated} of ${results.length} connection(s) re-encrypted under the current key; the previous keys can be retired\n${table(
        ['CONNECTION', 'RESULT'],
        results.map((r) => [r.id, r.result]),
      )}`,
    };
  },
};

export const keyCommands: Command[] = [rotate];
