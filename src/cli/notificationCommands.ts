// `notifications ...`: where the product's notifications of a connection stand
// (delivered cursor, backlog, last error, parked or not), and resuming a parked
// notifier (docs/notifications.md).
import type { Command } from './command';
import { keyValues } from './format';
import { withOperator } from './operatorSession';
import { NotFoundError } from '../errors/cliErrors';
import { UnknownConnectionError } from '../errors/connectionErrors';
import { notifierWorkflowId } from '../contracts/notifyContract';
import { notifierInput, notifyDepsFromEnv } from '../notifications/notifyConfig';
import { resumeNotifier } from '../notifier/signalNotifier';
import { notificationStatus } from '../notifications/status';
import { findConnectionRow } from '../store/connectionRows';

const status: Command = {
  name: 'notifications status',
  args: '<connectionId>',
  summary: "a connection's product notifications: endpoint, last delivered cursor, backlog, last error",
  positionals: ['connectionId'],
  async run(ctx, { positionals: [connectionId = ''] }) {
    const rt = await ctx.runtime();
    const data = await notificationStatus(
      rt.db,
      rt.connections,
      notifyDepsFromEnv(ctx.env).globals,
      connectionId,
    ).catch((err: unknown) => {
      throw err instanceof UnknownConnectionError ? new NotFoundError(err.message) : err;
    });
    const text = keyValues([
      ['connection', connectionId],
      ['endpoint', data.endpoint],
      ['status', data.status],
      ['delivered cursor', data.cursor ?? '(none: from the start of the feed)'],
      ['backlog', `${data.backlog}${data.backlogCapped ? '+' : ''} change(s)`],
      ['failed attempts', data.failedAttempts],
      ['last error', data.lastError ?? ''],
      ['last error at', data.lastErrorAt ?? ''],
      ['parked at', data.parkedAt ?? ''],
      ['last delivered at', data.lastDeliveredAt ?? ''],
      ['delivered', `${data.deliveredChanges} change(s) in ${data.deliveredBatches} notification(s)`],
      ['workflow', data.workflowId],
    ]);
    return { data, text };
  },
};

const resume: Command = {
  name: 'notifications resume',
  args: '<connectionId>',
  summary: "try a parked connection's product endpoint again now (starts its notifier if it is not running)",
  positionals: ['connectionId'],
  async run(ctx, { positionals: [connectionId = ''] }) {
    const rt = await ctx.runtime();
    if (!(await findConnectionRow(rt.db, connectionId)))
      throw new NotFoundError(`unknown connection "${connectionId}"`);
    await withOperator(ctx, {}, (s) =>
      resumeNotifier(s.client, ctx.env.TEMPORAL_TASK_QUEUE, notifierInput(ctx.env, connectionId)),
    );
    const workflowId = notifierWorkflowId(connectionId);
    return {
      data: { connectionId, workflowId, resumed: true },
      text: `resume sent to ${workflowId}; follow it with: syncline notifications status ${connectionId}`,
    };
  },
};

export const notificationCommands: Command[] = [status, resume];
