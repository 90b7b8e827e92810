// `records ...`: sync_records, our copy of partner objects (a deleted object
// stays as a tombstone row).
import { intOption, requiredOption, stringOption } from './args';
import type { Command } from './command';
import { indentJson, keyValues, table } from './format';
import { NotFoundError } from '../errors/cliErrors';
import { findRecord, listRecords } from '../store/syncRecords';
import { RecordsFeed } from '../records/recordsFeed';
import { type ChangeSource, RECORDS_MAX_LIMIT } from '../contracts/recordsApi';

const LIST_LIMIT_DEFAULT = 50;
const LIST_LIMIT_MAX = 10_000;

const list: Command = {
  name: 'records list',
  args: '--connection <id> [--type <t>] [--limit <n>]',
  summary: `a connection's records, most recently updated first (default limit ${LIST_LIMIT_DEFAULT})`,
  options: {
    connection: { type: 'string', short: 'c' },
    type: { type: 'string', short: 't' },
    limit: { type: 'string', short: 'n' },
  },
  async run(ctx, args) {
    const connectionId = requiredOption(list, args, 'connection');
    const objectType = stringOption(list, args, 'type');
    const limit = intOption(list, args, 'limit', { fallback: LIST_LIMIT_DEFAULT, min: 1, max: LIST_LIMIT_MAX });
    const rt = await ctx.runtime();
    const rows = await listRecords(rt.db, { connectionId, objectType, limit });
    const text = table(
      ['TYPE', 'ID', 'VERSION', 'DELETED', 'WRITES', 'SOURCE', 'UPDATED'],
      rows.map((r) => [r.objectType, r.objectId, r.version, r.deleted, r.writeCount, r.source, r.updatedAt]),
    );
    return { data: rows, text };
  },
};

const show: Command = {
  name: 'records show',
  args: '<connectionId> <type> <id>',
  summary: 'one record with its data',
  positionals: ['connectionId', 'type', 'id'],
  async run(ctx, { positionals: [connectionId = '', objectType = '', objectId = ''] }) {
    const rt = await ctx.runtime();
    const row = await findRecord(rt.db, connectionId, objectType, objectId);
    if (!row) throw new NotFoundError(`no record ${objectType}/${objectId} for connection "${connectionId}"`);
    const text = [
      keyValues([
        ['connection', row.connectionId],
        ['object', `${row.objectType}/${row.objectId}`],
        ['version', row.version],
        ['deleted', row.deleted],
        ['writes', row.writeCount],
        ['source', row.source],
        ['created at', row.createdAt],
        ['updated at', row.updatedAt],
      ]),
      'data:',
      indentJson(row.data),
    ].join('\n');
    return { data: row, text };
  },
};

const changes: Command = {
  name: 'records changes',
  args: '<connectionId> [--since <cursor>] [--type <t>] [--limit <n>]',
  summary: 'the change feed after a cursor, oldest first, and the cursor to go on from',
  positionals: ['connectionId'],
  options: {
    since: { type: 'string', short: 's' },
    type: { type: 'string', short: 't' },
    limit: { type: 'string', short: 'n' },
  },
  async run(ctx, args) {
    const connectionId = args.positionals[0] ?? '';
    const limit = intOption(changes, args, 'limit', { fallback: 100, min: 1, max: RECORDS_MAX_LIMIT });
    const rt = await ctx.runtime();
    const page = await new RecordsFeed(rt.db).changes(connectionId, {
      cursor: stringOption(changes, args, 'since'),
      type: stringOption(changes, args, 'type'),
      limit,
    });
    const text = [
      table(
        ['TYPE', 'ID', 'VERSION', 'DELETED', 'SOURCE', 'CHANGED', 'CURSOR'],
        page.changes.map((c) => [c.type, c.id, c.version, c.deleted, sourceText(c.source), c.changedAt, c.cursor]),
      ),
      `next cursor: ${page.nextCursor}${page.hasMore ? ' (more to read)' : ' (caught up)'}`,
    ].join('\n');
    return { data: page, text };
  },
};

const sourceText = (s: ChangeSource) =>
  s.kind === 'webhook' ? `webhook:${s.eventId}` : s.kind === 'reconcile' ? `reconcile:${s.runId}` : s.raw;

export const recordCommands: Command[] = [list, show, changes];
