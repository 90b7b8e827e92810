// `events ...`: webhook_events rows, newest first, and one event in full with
// its workflow (id, Web UI link, live status when Temporal answers). The raw
// payload is never printed, only whether and how large it is stored.
import { intOption, stringOption } from './args';
import type { Command } from './command';
import { NotFoundError } from './errors';
import { keyValues, table, truncate } from './format';
import { describeStatus, describeWorkflow, temporalUiLink } from './workflowStatus';

const LIST_LIMIT_DEFAULT = 50;
const LIST_LIMIT_MAX = 10_000;
const LAST_ERROR_CHARS = 60;

const list: Command = {
  name: 'events list',
  args: '[--connection <id>] [--status <s>] [--limit <n>]',
  summary: `recent events, newest first (--status e.g. processed or failed; default limit ${LIST_LIMIT_DEFAULT})`,
  options: { connection: { type: 'string', short: 'c' }, status: { type: 'string', short: 's' }, limit: { type: 'string', short: 'n' } },
  async run(ctx, args) {
    const connectionId = stringOption(list, args, 'connection');
    const status = stringOption(list, args, 'status');
    const limit = intOption(list, args, 'limit', { fallback: LIST_LIMIT_DEFAULT, min: 1, max: LIST_LIMIT_MAX });
    const rt = await ctx.runtime();
    const rows = await rt.db.webhookEvent.findMany({
      where: { connectionId, status },
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: limit,
      omit: { payload: true },
    });
    const text = table(
      ['RECEIVED', 'CONNECTION', 'EVENT', 'TYPE', 'OBJECT', 'STATUS', 'ATTEMPTS', 'LAST ERROR'],
      rows.map((r) => [r.receivedAt, r.connectionId, r.eventId, r.eventType, `${r.objectType}/${r.objectId}`, r.status, r.attempts, truncate(r.lastError, LAST_ERROR_CHARS)]),
    );
    return { data: rows, text };
  },
};

const show: Command = {
  name: 'events show',
  args: '<connectionId> <eventId>',
  summary: 'one event, its workflow id, Temporal Web UI link and workflow status',
  positionals: ['connectionId', 'eventId'],
  async run(ctx, { positionals: [connectionId = '', eventId = ''] }) {
    const rt = await ctx.runtime();
    const row = await rt.db.webhookEvent.findUnique({ where: { connectionId_eventId: { connectionId, eventId } }, omit: { payload: true } });
    if (!row) throw new NotFoundError(`no event "${eventId}" for connection "${connectionId}"`);
    const payloadStored = (await rt.db.webhookEvent.count({ where: { id: row.id, payload: { not: null } } })) > 0;
    const uiUrl = temporalUiLink(ctx.env, row.workflowId);
    const workflow = await describeWorkflow(ctx.env, row.workflowId);
    const text = keyValues([
      ['connection', row.connectionId], ['event id', row.eventId], ['event type', row.eventType],
      ['object', `${row.objectType}/${row.objectId}`], ['object version', row.objectVersion],
      ['status', row.outcome ? `${row.status} (${row.outcome})` : row.status], ['applied version', row.appliedVersion],
      ['deliveries', row.deliveryCount], ['attempts', row.attempts], ['last error', row.lastError],
      ['payload', `${row.payloadBytes} bytes, ${payloadStored ? 'stored in the database' : 'sent inline to the workflow'}`],
      ['received at', row.receivedAt], ['accepted at', row.acceptedAt], ['finished at', row.finishedAt],
      ['workflow id', row.workflowId], ['temporal ui', uiUrl], ['workflow status', describeStatus(workflow)],
    ]);
    return { data: { ...row, payloadStored, workflow: { id: row.workflowId, uiUrl, ...workflow } }, text };
  },
};

export const eventCommands: Command[] = [list, show];
