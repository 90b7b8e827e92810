// `connections secrets ...`: signing-secret rotation. Add the new secret, let
// the partner switch, then remove the old one by index. A connection is never
// left without a secret, and secrets are shown only as fingerprints.
import type { Runtime } from '../system/runtime';
import { intOption, requiredOption } from './args';
import type { Command, Output } from './command';
import { table } from './format';
import { fingerprint, openSecrets } from './sealed';
import { UnknownConnectionError } from '../errors/connectionErrors';
import { NotFoundError, RefusedError } from '../errors/cliErrors';
import { findConnectionRow } from '../store/connectionRows';

const MAX_SECRETS = 100;

function listing(id: string, secrets: string[], extra: Record<string, unknown>, headline: string): Output {
  const rows = secrets.map((s, index) => ({ index, fingerprint: fingerprint(s) }));
  return {
    data: { id, ...extra, secrets: rows },
    text: `${headline}\n${table(
      ['INDEX', 'FINGERPRINT'],
      rows.map((r) => [r.index, r.fingerprint]),
    )}`,
  };
}

async function rotate(rt: Runtime, id: string, change: (current: string[]) => string[]): Promise<string[]> {
  try {
    return await rt.connections.setSigningSecrets(id, change);
  } catch (err) {
    if (err instanceof UnknownConnectionError) throw new NotFoundError(err.message);
    throw err;
  }
}

const list: Command = {
  name: 'connections secrets list',
  args: '<id>',
  summary: 'signing secrets as index and sha256 fingerprint',
  positionals: ['id'],
  async run(ctx, { positionals: [id = ''] }) {
    const rt = await ctx.runtime();
    const row = await findConnectionRow(rt.db, id);
    if (!row) throw new NotFoundError(`unknown connection "${id}"`);
    const secrets = openSecrets(rt.box, row.secretsEnc).signingSecrets;
    return listing(id, secrets, {}, `connection ${id}: ${secrets.length} signing secret(s)`);
  },
};

const add: Command = {
  name: 'connections secrets add',
  args: '<id> --secret <s>',
  summary: 'add a signing secret (start of a rotation); adding one already present changes nothing',
  positionals: ['id'],
  options: { secret: { type: 'string' } },
  async run(ctx, args) {
    const id = args.positionals[0] ?? '';
    const secret = requiredOption(add, args, 'secret');
    const rt = await ctx.runtime();
    const outcome: { result: 'added' | 'unchanged' } = { result: 'added' };
    const secrets = await rotate(rt, id, (current) => {
      if (current.includes(secret)) {
        outcome.result = 'unchanged';
        return current;
      }
      if (current.length >= MAX_SECRETS)
        throw new RefusedError(`connection ${id} already has ${current.length} signing secrets`);
      return [...current, secret];
    });
    const headline =
      outcome.result === 'added'
        ? `added ${fingerprint(secret)} to ${id}`
        : `${fingerprint(secret)} was already a secret of ${id}`;
    return listing(id, secrets, { result: outcome.result, fingerprint: fingerprint(secret) }, headline);
  },
};

const remove: Command = {
  name: 'connections secrets remove',
  args: '<id> --index <n>',
  summary: 'remove a signing secret by its index in `secrets list` (end of a rotation); never the last one',
  positionals: ['id'],
  options: { index: { type: 'string' } },
  async run(ctx, args) {
    const id = args.positionals[0] ?? '';
    requiredOption(remove, args, 'index');
    const index = intOption(remove, args, 'index', { fallback: 0, min: 0, max: MAX_SECRETS });
    const rt = await ctx.runtime();
    let removed = '';
    const secrets = await rotate(rt, id, (current) => {
      const target = current[index];
      if (target === undefined)
        throw new RefusedError(`connection ${id} has no signing secret at index ${index} (it has ${current.length})`);
      if (current.length === 1)
        throw new RefusedError(`refusing to remove the last signing secret of ${id}: add the new one first`);
      removed = fingerprint(target);
      return current.filter((_, i) => i !== index);
    });
    return listing(id, secrets, { removed }, `removed ${removed} from ${id}`);
  },
};

export const secretCommands: Command[] = [list, add, remove];
