// `connections ...`: add from a file (idempotent), list, show, enable, disable.
// Output names credentials and counts secrets; it never prints a secret.
import { syncSchedulesAfterChange } from './reconcileCommands';
import { getConnector } from '../connectors/connectorRegistry';
import { describeUnknownKeys, unknownSettingsKeys } from '../connections/settingsKeys';
import type { Runtime } from '../system/runtime';
import { requiredOption } from './args';
import type { Command, Output } from './command';
import { readConnectionsFile } from './connectionFile';
import { indentJson, keyValues, table } from './format';
import { summarize } from './sealed';
import { NotFoundError } from '../errors/cliErrors';
import { findConnectionRow, listConnectionRows } from '../store/connectionRows';
import { countRecords } from '../store/syncRecords';
import { countEventsByStatus } from '../store/webhookEvents';

async function findRow(rt: Runtime, id: string) {
  const row = await findConnectionRow(rt.db, id);
  if (!row) throw new NotFoundError(`unknown connection "${id}"`);
  return row;
}

const add: Command = {
  name: 'connections add',
  args: '--file <json>',
  summary: 'create or update connections from a file (one object, or {"connections": [...]})',
  options: { file: { type: 'string', short: 'f' } },
  async run(ctx, args) {
    const inputs = readConnectionsFile(requiredOption(add, args, 'file'));
    const rt = await ctx.runtime();
    const results: { id: string; result: string }[] = [];
    for (const input of inputs) results.push({ id: input.id, result: await rt.connections.upsert(input) });
    const count = (r: string) => results.filter((x) => x.result === r).length;
    const summary = `${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged`;
    const schedules = await syncSchedulesAfterChange(
      ctx,
      results.map((r) => r.id),
    );
    return {
      data: results,
      text: `${table(
        ['ID', 'RESULT'],
        results.map((r) => [r.id, r.result]),
      )}\n${summary}\n${schedules}`,
    };
  },
};

const list: Command = {
  name: 'connections list',
  args: '',
  summary: 'list connections (id, connector, enabled, API base URL, number of signing secrets)',
  async run(ctx) {
    const rt = await ctx.runtime();
    const rows = await listConnectionRows(rt.db);
    const data = rows.map((r) => ({
      id: r.id,
      connector: r.connector,
      displayName: r.displayName,
      enabled: r.enabled,
      apiBaseUrl: r.apiBaseUrl,
      // null: sealed with an encryption key this process does not hold.
      signingSecrets: summarize(rt.box, r.secretsEnc)?.signingSecrets ?? null,
      updatedAt: r.updatedAt,
    }));
    const rowsText = data.map((c) => [
      c.id,
      c.connector,
      c.enabled,
      c.apiBaseUrl,
      c.signingSecrets ?? '? (unreadable)',
    ]);
    return { data, text: table(['ID', 'CONNECTOR', 'ENABLED', 'API BASE URL', 'SECRETS'], rowsText) };
  },
};

/** `unknown`: keys a row saved before they were refused still carries; nothing reads them. */
function effectiveSettings(
  connector: string,
  stored: unknown,
): { settings: unknown; error: string | null; unknown: string | null } {
  try {
    const schema = getConnector(connector).settingsSchema;
    const keys = unknownSettingsKeys(schema, stored);
    const unknown = keys.length > 0 ? describeUnknownKeys(keys) : null;
    const parsed = schema.safeParse(stored);
    return parsed.success
      ? { settings: parsed.data, error: null, unknown }
      : { settings: stored, error: parsed.error.issues.map((i) => i.message).join('; '), unknown };
  } catch (err) {
    return { settings: stored, error: (err as Error).message, unknown: null };
  }
}

const show: Command = {
  name: 'connections show',
  args: '<id>',
  summary: 'settings, secret count, credential names, event counts by status, record counts',
  positionals: ['id'],
  async run(ctx, { positionals: [id = ''] }) {
    const rt = await ctx.runtime();
    const row = await findRow(rt, id);
    const secrets = summarize(rt.box, row.secretsEnc);
    const events = await countEventsByStatus(rt.db, id);
    const { total: records, deleted: deletedRecords } = await countRecords(rt.db, id);
    const effective = effectiveSettings(row.connector, row.settings);
    const baseUrl = ctx.env.PUBLIC_BASE_URL ?? `http://${ctx.env.API_HOST}:${ctx.env.API_PORT}`;
    const webhookUrl = `${baseUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(id)}`;
    const data = {
      id: row.id,
      connector: row.connector,
      displayName: row.displayName,
      enabled: row.enabled,
      apiBaseUrl: row.apiBaseUrl,
      webhookUrl,
      signingSecrets: secrets?.signingSecrets ?? null,
      credentialNames: secrets?.credentialNames ?? null,
      settings: row.settings,
      effectiveSettings: effective.settings,
      settingsError: effective.error,
      unknownSettings: effective.unknown,
      events,
      records: { total: records, deleted: deletedRecords },
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
    const text = [
      keyValues([
        ['id', row.id],
        ['connector', row.connector],
        ['display name', row.displayName],
        ['enabled', row.enabled],
        ['api base url', row.apiBaseUrl],
        ['webhook url', webhookUrl],
        ['signing secrets', secrets ? secrets.signingSecrets : '? (sealed with a key this process does not hold)'],
        ['credentials', secrets ? secrets.credentialNames.join(', ') : '?'],
        [
          'events',
          Object.entries(events)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ') || 'none',
        ],
        ['records', `${records} (${deletedRecords} deleted)`],
        ['created at', row.createdAt],
        ['updated at', row.updatedAt],
      ]),
      ...(effective.unknown ? [`unknown settings, ignored (fix before saving again): ${effective.unknown}`] : []),
      effective.error ? `settings (INVALID: ${effective.error}):` : 'settings (with defaults):',
      indentJson(effective.settings),
    ].join('\n');
    return { data, text };
  },
};

function toggle(enabled: boolean): Command {
  const self: Command = {
    name: `connections ${enabled ? 'enable' : 'disable'}`,
    args: '<id>',
    summary: enabled
      ? 'accept webhooks for a connection again'
      : 'answer webhooks for a connection with 404 connection_disabled',
    positionals: ['id'],
    async run(ctx, { positionals: [id = ''] }): Promise<Output> {
      const rt = await ctx.runtime();
      const row = await findRow(rt, id);
      const changed = row.enabled !== enabled;
      if (changed) await rt.connections.setEnabled(id, enabled);
      const word = enabled ? 'enabled' : 'disabled';
      // A disabled connection has no reconciliation schedule; enabling brings it back.
      const schedules = changed ? `\n${await syncSchedulesAfterChange(ctx, [id])}` : '';
      return {
        data: { id, enabled, changed },
        text: (changed ? `connection ${id} ${word}` : `connection ${id} was already ${word}`) + schedules,
      };
    },
  };
  return self;
}

export const connectionCommands: Command[] = [add, list, show, toggle(true), toggle(false)];
