// `events list|show`: webhook_events rows, newest first, and one event in full
// through OperatorService.showEvent (the admin API's view): the row, the
// actions taken on it, its workflow (status, state, history summary) and the
// Web UI link. Temporal being down is shown, not thrown: the row is still worth
// seeing. The raw payload is never printed, only whether and how large it is stored.
import type { OperatorService } from '../operator/operatorService';
import { EVENT_ROW_STATUSES } from '../store/eventTransitions';
import { eventHasStoredPayload, listEventRows } from '../store/webhookEvents';
import { intOption, stringOption } from './args';
import { type Command, usageOf } from './command';
import { type Cell, keyValues, table, truncate } from './format';
import { withOperator } from './operatorSession';
import { UsageError } from '../errors/cliErrors';

const LIST_LIMIT_DEFAULT = 50;
const LIST_LIMIT_MAX = 10_000;
const LAST_ERROR_CHARS = 60;
/** How long `events show` waits for a reachable Temporal (describe, history, state query; a query needs a live worker). */
const SHOW_TEMPORAL_TIMEOUT_MS = 30_000;
/** webhook_events.status (src/store/eventTransitions.ts). */
const EVENT_STATUSES: readonly string[] = EVENT_ROW_STATUSES;

const list: Command = {
  name: 'events list',
  args: '[--connection <id>] [--status <s>] [--limit <n>]',
  summary: `recent events, newest first (--status ${EVENT_STATUSES.join('|')}; default limit ${LIST_LIMIT_DEFAULT})`,
  options: {
    connection: { type: 'string', short: 'c' },
    status: { type: 'string', short: 's' },
    limit: { type: 'string', short: 'n' },
  },
  async run(ctx, args) {
    const connectionId = stringOption(list, args, 'connection');
    const status = stringOption(list, args, 'status');
    if (status !== undefined && !EVENT_STATUSES.includes(status))
      throw new UsageError(`--status must be one of ${EVENT_STATUSES.join(', ')}`, usageOf(list));
    const limit = intOption(list, args, 'limit', { fallback: LIST_LIMIT_DEFAULT, min: 1, max: LIST_LIMIT_MAX });
    const rt = await ctx.runtime();
    const rows = await listEventRows(rt.db, { connectionId, status, limit });
    const text = table(
      ['RECEIVED', 'CONNECTION', 'EVENT', 'TYPE', 'OBJECT', 'STATUS', 'ATTEMPTS', 'LAST ERROR'],
      rows.map((r) => [
        r.receivedAt,
        r.connectionId,
        r.eventId,
        r.eventType,
        `${r.objectType}/${r.objectId}`,
        r.status,
        r.attempts,
        truncate(r.lastError, LAST_ERROR_CHARS),
      ]),
    );
    return { data: rows, text };
  },
};

type Shown = Awaited<ReturnType<OperatorService['showEvent']>>;

function workflowLines(workflow: Shown['workflow']): [string, Cell][] {
  if (workflow.error) return [['workflow', `${workflow.status}: ${workflow.error}`]];
  const lines: [string, Cell][] = [['workflow', workflow.status]];
  if (workflow.state) {
    lines.push(
      ['state', `${workflow.state.status}, run ${workflow.state.runs}`],
      ['state last error', workflow.state.lastError],
    );
  }
  const h = workflow.history;
  if (h) {
    lines.push(
      ['history', `${h.events} events, ${h.timers} timer(s)`],
      [
        'activities',
        Object.entries(h.activities)
          .map(([name, n]) => `${name} ${n}`)
          .join(', '),
      ],
      ['last attempt', h.lastActivityAttempt],
      ['last failure', h.lastFailure],
      ['signals', h.signals.join(', ')],
      ['updates', h.updates.join(', ')],
    );
  }
  return lines;
}

const show: Command = {
  name: 'events show',
  args: '<connectionId> <eventId>',
  summary: 'one event: attempts, last error, actions taken, workflow state, history summary, Temporal Web UI link',
  positionals: ['connectionId', 'eventId'],
  async run(ctx, { positionals: [connectionId = '', eventId = ''] }) {
    const shown = await withOperator(ctx, { temporalOptional: true }, async ({ ops, client, address, unreachable }) => {
      // Temporal down: its part of showEvent gets no time at all, and the row is shown at once.
      const deadline = unreachable ? Date.now() : Date.now() + SHOW_TEMPORAL_TIMEOUT_MS;
      const found = await client.withDeadline(deadline, () => ops.showEvent(connectionId, eventId));
      return unreachable
        ? { ...found, workflow: { status: 'unknown', error: `Temporal not reachable at ${address} (${unreachable})` } }
        : found;
    });
    const { event } = shown;
    const rt = await ctx.runtime();
    const payloadStored = await eventHasStoredPayload(rt.db, event.id);
    const text = [
      keyValues([
        ['connection', event.connectionId],
        ['event id', event.eventId],
        ['event type', event.eventType],
        ['object', `${event.objectType}/${event.objectId}`],
        ['object version', event.objectVersion],
        ['status', event.outcome ? `${event.status} (${event.outcome})` : event.status],
        ['applied version', event.appliedVersion],
        ['deliveries', event.deliveryCount],
        ['attempts', event.attempts],
        ['last error', event.lastError],
        ['first failed at', event.firstFailedAt],
        ['resolution', event.resolution],
        [
          'payload',
          `${event.payloadBytes} bytes, ${payloadStored ? 'stored in the database' : 'sent inline to the workflow'}`,
        ],
        ['received at', event.receivedAt],
        ['accepted at', event.acceptedAt],
        ['finished at', event.finishedAt],
        ['workflow id', event.workflowId],
        ['temporal ui', shown.link],
        ...workflowLines(shown.workflow),
      ]),
      'actions:',
      table(
        ['AT', 'ACTION', 'BY', 'REASON', 'RESULT'],
        shown.actions.map((a) => [a.createdAt, a.action, a.actor, a.reason, a.result]),
      ),
    ].join('\n');
    return { data: { ...shown, payloadStored }, text };
  },
};

export const eventCommands: Command[] = [list, show];
