// `events replay|skip|bulk ...`: what an operator does to parked events,
// through src/operator (the same service as the admin API). Single actions are
// the workflow's validated updates and print their typed result; bulk actions
// count first (--dry-run stops there), then signal every match.
// A skip needs a reason: without --reason the command line is wrong (exit 2)
// and nothing is sent. A refused action (the event is not parked) exits 1.
// `replay --no-wait` returns once the workflow has accepted the replay, instead
// of waiting through the partner retry schedule for the outcome.
import type { OperatorRequest } from '../contracts/processEventContract';
import { dateOption, requiredOption, stringOption } from './args';
import type { Args, Command, OptionSpec } from './command';
import { keyValues } from './format';
import { defaultActor, withOperator } from './operatorSession';

type Action = 'replay' | 'skip';

const ACTOR_OPTIONS: Record<string, OptionSpec> = { by: { type: 'string' }, reason: { type: 'string', short: 'r' } };
const PAST: Record<Action, string> = { replay: 'replayed', skip: 'skipped' };

function request(command: Command, args: Args, action: Action): OperatorRequest {
  const reason = action === 'skip' ? requiredOption(command, args, 'reason') : stringOption(command, args, 'reason');
  return { by: stringOption(command, args, 'by') ?? defaultActor(), reason };
}

function single(action: Action): Command {
  const command: Command = {
    name: `events ${action}`,
    args:
      action === 'skip'
        ? '<connectionId> <eventId> --reason <text> [--by <name>]'
        : '<connectionId> <eventId> [--by <name>] [--reason <text>] [--no-wait]',
    summary:
      action === 'skip'
        ? 'resolve a parked event (or one whose run was terminated or cancelled) without processing it; the reason is recorded (--by defaults to cli:<os user>)'
        : 'process a parked event again now and wait for the outcome: processed, or parked again (--no-wait: return once it has begun); an event whose run was terminated or cancelled gets a new run',
    positionals: ['connectionId', 'eventId'],
    options: action === 'skip' ? ACTOR_OPTIONS : { ...ACTOR_OPTIONS, 'no-wait': { type: 'boolean' } },
    async run(ctx, args) {
      const [connectionId = '', eventId = ''] = args.positionals;
      const req = request(command, args, action);
      const wait = args.values['no-wait'] !== true;
      const result = await withOperator(ctx, {}, ({ ops }) =>
        action === 'replay' ? ops.replay(connectionId, eventId, req, { wait }) : ops.skip(connectionId, eventId, req),
      );
      const status =
        result.status === 'parked'
          ? 'parked again'
          : result.status === 'replaying'
            ? `replaying (not waited for; \`syncline events show ${connectionId} ${eventId}\` follows it)`
            : result.status;
      const text = keyValues([
        ['event', `${connectionId} ${eventId}`],
        ['action', `${action} by ${req.by}`],
        ['reason', req.reason],
        ['status', status],
        ['last error', result.lastError],
      ]);
      return { data: { connectionId, eventId, by: req.by, reason: req.reason ?? null, ...result }, text };
    },
  };
  return command;
}

function bulk(action: Action): Command {
  const command: Command = {
    name: `events bulk ${action}`,
    args: `[--connection <id>] [--connector <name>] [--type <eventType>] [--since <iso>] [--until <iso>] ${action === 'skip' ? '--reason <text>' : '[--reason <text>]'} [--by <name>] [--dry-run]`,
    summary: `${action} every parked event matching the filter (a Temporal visibility query); --dry-run only counts`,
    options: {
      ...ACTOR_OPTIONS,
      connection: { type: 'string', short: 'c' },
      connector: { type: 'string' },
      type: { type: 'string', short: 't' },
      since: { type: 'string' },
      until: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    async run(ctx, args) {
      const req = request(command, args, action);
      const filter = {
        connectionId: stringOption(command, args, 'connection'),
        connector: stringOption(command, args, 'connector'),
        eventType: stringOption(command, args, 'type'),
        since: dateOption(command, args, 'since'),
        until: dateOption(command, args, 'until'),
      };
      const dryRun = args.values['dry-run'] === true;
      return withOperator(ctx, {}, async ({ ops }) => {
        const counted = await ops.bulk({ action, filter, ...req, dryRun: true });
        const countLine = `${counted.matched} parked event(s) match: ${counted.query}`;
        if (dryRun) return { data: counted, text: `dry run, nothing ${PAST[action]}\n${countLine}` };
        ctx.say(countLine);
        const done = await ops.bulk({ action, filter, ...req, dryRun: false });
        // Signals: each event is acted on in the background by its own workflow.
        const text = `matched ${done.matched}, acted ${done.acted}, failed ${done.failed}\n(${action} signalled by ${req.by}; \`syncline events list --status parked\` shows what is still parked)`;
        return { data: { ...done, counted: counted.matched }, text };
      });
    },
  };
  return command;
}

export const eventActionCommands: Command[] = [single('replay'), single('skip'), bulk('replay'), bulk('skip')];
