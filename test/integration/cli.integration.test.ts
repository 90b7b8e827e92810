// The ops CLI as an operator runs it: the real entry point in a child process,
// against the run's PostgreSQL and Temporal dev server. Every byte it prints is
// kept, and the last test checks that no secret is among them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SignatureConfig } from '../../src/signatures/types';
import { type CliRun, runCli, CLI_TEST_TIMEOUT_MS } from '../support/cli';
import { waitForEventStatus } from '../support/events';
import { freePort } from '../../dev/support/ports';
import { PARTNER_API_KEY, startTestSystem, type TestSystem } from '../support/system';

const ENCRYPTION_KEY = crypto.randomBytes(32).toString('base64');
const STRIPE: SignatureConfig = { scheme: 'stripe' };

const SECRET_A = `whsec_cli_first_${crypto.randomBytes(8).toString('hex')}`;
const SECRET_B = `whsec_cli_second_${crypto.randomBytes(8).toString('hex')}`;
const SECRET_ROTATED = `whsec_cli_rotated_${crypto.randomBytes(8).toString('hex')}`;
const SEED_SECRET = `whsec_cli_seed_${crypto.randomBytes(8).toString('hex')}`;
const API_KEY = `cli_api_key_${crypto.randomBytes(8).toString('hex')}`;
const DELIVERY_SECRET = `whsec_cli_delivery_${crypto.randomBytes(8).toString('hex')}`;
const SECRETS = [
  SECRET_A,
  SECRET_B,
  SECRET_ROTATED,
  SEED_SECRET,
  API_KEY,
  DELIVERY_SECRET,
  PARTNER_API_KEY,
  ENCRYPTION_KEY,
];

const printed: string[] = [];
let sys: TestSystem;
let dir: string;

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const run = await runCli(args, { ENCRYPTION_KEY, ...env });
  printed.push(run.stdout, run.stderr);
  return run;
}

async function ok(args: string[], env?: Record<string, string>): Promise<string> {
  const run = await cli(args, env);
  expect(run, `syncline ${args.join(' ')}`).toMatchObject({ code: 0 });
  return run.stdout;
}

async function json<T = Record<string, unknown>>(args: string[], env?: Record<string, string>): Promise<T> {
  return JSON.parse(await ok([...args, '--json'], env)) as T;
}

function writeJson(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

function connection(id: string, secrets: string[]) {
  return {
    id,
    connector: 'rest',
    apiBaseUrl: 'https://partner.example.com',
    signingSecrets: secrets,
    credentials: { apiKey: API_KEY },
    settings: { signature: STRIPE },
  };
}

const sha256Prefix = (s: string) => `sha256:${crypto.createHash('sha256').update(s).digest('hex').slice(0, 12)}`;

beforeAll(async () => {
  sys = await startTestSystem('cli', { ENCRYPTION_KEY });
  dir = fs.mkdtempSync(path.join(inject('runDir'), 'cli-'));
});
afterAll(async () => {
  await sys?.stop();
});

describe('syncline CLI', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  const id = (name: string) => `${sys.prefix}-${name}`;

  it('adds connections from a file, and adding the same file again changes nothing', async () => {
    const file = writeJson('two.json', {
      connections: [connection(id('one'), [SECRET_A]), connection(id('two'), [SECRET_A, SECRET_B])],
    });
    const first = await ok(['connections', 'add', '--file', file]);
    expect(first).toMatch(new RegExp(`${id('one')}\\s+created`));
    expect(first).toContain('2 created, 0 updated, 0 unchanged');

    const again = await json<{ id: string; result: string }[]>(['connections', 'add', '--file', file]);
    expect(again).toEqual([
      { id: id('one'), result: 'unchanged' },
      { id: id('two'), result: 'unchanged' },
    ]);

    const single = writeJson('single.json', { ...connection(id('one'), [SECRET_A]), displayName: 'renamed' });
    expect(await json(['connections', 'add', '--file', single])).toEqual([{ id: id('one'), result: 'updated' }]);
  });

  it.each(['stripe', 'github', 'shopify'])(
    'adds a real %s account from the README’s connection file (config/connections.<partner>.example.json)',
    async (partner) => {
      const example = JSON.parse(
        fs.readFileSync(path.resolve(__dirname, `../../config/connections.${partner}.example.json`), 'utf8'),
      ) as { connections: Array<Record<string, unknown> & { id: string; credentials: Record<string, string> }> };
      const file = writeJson(`${partner}.example.json`, {
        connections: example.connections.map((c) => ({ ...c, id: id(c.id) })),
      });
      const added = await json<{ id: string; result: string }[]>(['connections', 'add', '--file', file]);
      expect(added).toEqual(example.connections.map((c) => ({ id: id(c.id), result: 'created' })));
      for (const c of example.connections) {
        const shown = await json(['connections', 'show', id(c.id)]);
        expect(shown).toMatchObject({
          id: id(c.id),
          connector: partner,
          credentialNames: Object.keys(c.credentials),
          unknownSettings: null,
        });
        expect(JSON.stringify(shown)).not.toContain(Object.values(c.credentials)[0]);
      }
    },
  );

  it('lists connections with their number of signing secrets', async () => {
    const list = await json<{ id: string; enabled: boolean; signingSecrets: number | null }[]>(['connections', 'list']);
    expect(list.find((c) => c.id === id('one'))).toMatchObject({ enabled: true, signingSecrets: 1 });
    expect(list.find((c) => c.id === id('two'))).toMatchObject({ signingSecrets: 2 });
    expect(await ok(['connections', 'list'])).toMatch(
      new RegExp(`${id('two')}\\s+rest\\s+true\\s+https://partner.example.com\\s+2`),
    );
  });

  it('shows a connection with credential names, secret count and event and record counts', async () => {
    const shown = await json(['connections', 'show', id('two')]);
    expect(shown).toMatchObject({
      id: id('two'),
      signingSecrets: 2,
      credentialNames: ['apiKey'],
      events: {},
      records: { total: 0, deleted: 0 },
    });
    expect(shown.effectiveSettings).toMatchObject({ signature: STRIPE, trustPayload: false });
    const text = await ok(['connections', 'show', id('two')]);
    expect(text).toMatch(/credentials\s+apiKey/);
    expect(text).toContain(`/webhooks/${id('two')}`);
    expect(shown.unknownSettings).toBeNull();
    expect(text).not.toContain('unknown settings');
  });

  it('refuses settings keys nothing reads however the connection is saved, and saves nothing', async () => {
    const conn = id('repo-typo');
    const input = connection(conn, [SECRET_A]);
    await expect(
      sys.rt.connections.upsert({ ...input, settings: { ...input.settings, reconcile: { pageSzie: 10 } } }),
    ).rejects.toThrow(
      `connection ${conn}: unknown settings for connector rest: "reconcile.pageSzie" (did you mean "pageSize"?)`,
    );
    expect(await sys.rt.connections.find(conn)).toBeNull();
  });

  it('shows the settings keys a row saved before they were refused still carries, and still reads the row', async () => {
    const conn = id('old-row');
    await sys.rt.connections.upsert(connection(conn, [SECRET_A]));
    // As an older version could have saved it: a misspelt key the schema drops.
    await sys.rt.db.connection.update({
      where: { id: conn },
      data: { settings: { signature: { ...STRIPE }, fetch: { urlTemplte: '{baseUrl}/o/{objectId}' } } },
    });
    sys.rt.connections.invalidate(conn);

    const shown = await json(['connections', 'show', conn]);
    expect(shown.unknownSettings).toBe('"fetch.urlTemplte" (did you mean "urlTemplate"?)');
    expect(await ok(['connections', 'show', conn])).toContain(
      'unknown settings, ignored (fix before saving again): "fetch.urlTemplte"',
    );
    expect((await sys.rt.connections.get(conn)).settings).toMatchObject({
      fetch: { urlTemplate: '{baseUrl}/api/objects/{objectType}/{objectId}' },
    });
  });

  it('disables and enables a connection, saying when nothing changed', async () => {
    expect(await json(['connections', 'disable', id('one')])).toEqual({ id: id('one'), enabled: false, changed: true });
    expect((await sys.rt.connections.get(id('one'))).enabled).toBe(false);
    expect(await ok(['connections', 'disable', id('one')])).toContain('already disabled');
    expect(await json(['connections', 'enable', id('one')])).toEqual({ id: id('one'), enabled: true, changed: true });
    expect((await sys.rt.connections.get(id('one'))).enabled).toBe(true);
  });

  it('rotates signing secrets by fingerprint and refuses to remove the last one', async () => {
    type Listing = { secrets: { index: number; fingerprint: string }[]; result?: string; removed?: string };
    expect((await json<Listing>(['connections', 'secrets', 'list', id('one')])).secrets).toEqual([
      { index: 0, fingerprint: sha256Prefix(SECRET_A) },
    ]);

    const added = await json<Listing>(['connections', 'secrets', 'add', id('one'), '--secret', SECRET_ROTATED]);
    expect(added.result).toBe('added');
    expect(added.secrets.map((s) => s.fingerprint)).toEqual([sha256Prefix(SECRET_A), sha256Prefix(SECRET_ROTATED)]);
    expect((await json<Listing>(['connections', 'secrets', 'add', id('one'), '--secret', SECRET_ROTATED])).result).toBe(
      'unchanged',
    );

    const removed = await json<Listing>(['connections', 'secrets', 'remove', id('one'), '--index', '0']);
    expect(removed.removed).toBe(sha256Prefix(SECRET_A));
    expect((await sys.rt.connections.get(id('one'))).signingSecrets).toEqual([SECRET_ROTATED]);

    const refused = await cli(['connections', 'secrets', 'remove', id('one'), '--index', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to remove the last signing secret');
    expect((await sys.rt.connections.get(id('one'))).signingSecrets).toEqual([SECRET_ROTATED]);
  });

  it('seeds from a seed file, idempotently', async () => {
    const file = writeJson('seed.json', { connections: [connection(id('seeded'), [SEED_SECRET])] });
    expect(await json(['seed', '--file', file])).toMatchObject({ created: 1, updated: 0, unchanged: 0 });
    expect(await ok(['seed', '--file', file])).toContain('0 created, 0 updated, 1 unchanged');
    expect((await sys.rt.connections.get(id('seeded'))).signingSecrets).toEqual([SEED_SECRET]);
  });

  it('lists and shows a delivered event with its workflow status and Web UI link, and the record it wrote', async () => {
    const conn = await sys.addConnection({ name: 'delivered', signature: STRIPE, secrets: [DELIVERY_SECRET] });
    const snap = sys.partner.store.upsert('order', 'o-cli', { total: 12 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    expect((await sys.sender(conn, STRIPE, DELIVERY_SECRET).deliver(event)).status).toBe(202);
    const row = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
    // The row turns processed inside the run's last step; `events show` below expects the run completed.
    await sys.client.workflow.getHandle(row.workflowId).result();

    const listed = await json<{ eventId: string; status: string }[]>([
      'events',
      'list',
      '--connection',
      conn,
      '--status',
      'processed',
      '--limit',
      '5',
    ]);
    expect(listed).toEqual([expect.objectContaining({ eventId: event.id, status: 'processed' })]);
    expect(await ok(['events', 'list', '--connection', conn])).toMatch(
      new RegExp(`${event.id}\\s+${event.type}\\s+order/o-cli\\s+processed`),
    );

    const shown = await json<{ event: Record<string, unknown>; workflow: Record<string, unknown>; link: string }>([
      'events',
      'show',
      conn,
      event.id,
    ]);
    expect(shown.event).toMatchObject({ outcome: 'applied', workflowId: row.workflowId });
    expect(shown.workflow).toMatchObject({ status: 'COMPLETED' });
    expect(shown.link).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(row.workflowId)}`);
    const custom = await json<{ link: string }>(['events', 'show', conn, event.id], {
      TEMPORAL_UI_URL: 'https://temporal.example.com/',
    });
    expect(custom.link).toBe(
      `https://temporal.example.com/namespaces/default/workflows/${encodeURIComponent(row.workflowId)}`,
    );

    expect(await json(['records', 'list', '--connection', conn, '--type', 'order'])).toEqual([
      expect.objectContaining({ objectId: 'o-cli', version: String(snap.version) }),
    ]);
    expect(await json(['records', 'show', conn, 'order', 'o-cli'])).toMatchObject({
      data: { total: 12 },
      deleted: false,
    });
    expect(await json(['connections', 'show', conn])).toMatchObject({
      events: { processed: 1 },
      records: { total: 1 },
    });
  });

  it('shows an event when Temporal is unreachable, saying so', async () => {
    const row = await sys.rt.db.webhookEvent.findFirstOrThrow({ where: { connectionId: { startsWith: sys.prefix } } });
    const down = `127.0.0.1:${await freePort()}`;
    const run = await cli(['events', 'show', row.connectionId, row.eventId], { TEMPORAL_ADDRESS: down });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Temporal not reachable at ${down}`);
    expect(run.stdout).toContain(row.workflowId);
  });

  it('runs migrate on a migrated database and reports nothing pending', async () => {
    expect(await json(['migrate'])).toMatchObject({ applied: [] });
  });

  it('answers an unknown command with the usage and exit code 2', async () => {
    const [run, bare, help] = await Promise.all([cli(['frobnicate']), cli([]), cli(['help'])]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "frobnicate"');
    expect(run.stderr).toContain('syncline events show <connectionId> <eventId>');
    expect(bare.code).toBe(0);
    expect(help).toMatchObject({
      code: 0,
      // Each command on its own line, its options beneath it (the help fits a 100-column terminal).
      stdout: expect.stringContaining('  syncline connections secrets remove <id>\n      --index <n>\n'),
    });
  });

  it('answers a bad argument with a one-line reason and the command usage, exit code 2', async () => {
    const [missing, badLimit, unknownOption] = await Promise.all([
      cli(['records', 'list']),
      cli(['events', 'list', '--limit', 'lots']),
      cli(['connections', 'show', id('one'), '--bogus']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('syncline: --connection is required');
    expect(missing.stderr).toContain('usage: syncline records list --connection <id>');
    expect(badLimit).toMatchObject({ code: 2, stderr: expect.stringContaining('--limit must be an integer') });
    expect(unknownOption).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--bogus'") });
  });

  it('rejects a bad connections file with exit code 2 and without quoting it', async () => {
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, `{"connections": [{"id": "x", "signingSecrets": ["${SECRET_B}"] oops`);
    const run = await cli(['connections', 'add', '--file', broken]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not valid JSON');
    const typo = writeJson('typo.json', { ...connection(id('typo'), []), signingSecret: [SECRET_B] });
    const rejected = await cli(['connections', 'add', '--file', typo]);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toContain('unknown field(s) "signingSecret"');
    expect(await sys.rt.connections.find(id('typo'))).toBeNull();
    const settingsTypo = connection(id('settings-typo'), [SECRET_B]);
    const misspelt = writeJson('settings-typo.json', {
      ...settingsTypo,
      settings: { ...settingsTypo.settings, fetch: { urlTemplte: '{baseUrl}/o/{objectId}' } },
    });
    const refused = await cli(['connections', 'add', '--file', misspelt]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('unknown settings "settings.fetch.urlTemplte" (did you mean "urlTemplate"?)');
    expect(await sys.rt.connections.find(id('settings-typo'))).toBeNull();
  });

  it('exits 1 for an operational failure such as a missing connection', async () => {
    const run = await cli(['connections', 'show', id('missing')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`unknown connection "${id('missing')}"`);
  });

  it('never prints a secret value', () => {
    expect(printed.length).toBeGreaterThan(20);
    const all = printed.join('\n');
    for (const secret of SECRETS)
      expect(all.includes(secret), `a secret of ${secret.length} characters was printed`).toBe(false);
  });
});
