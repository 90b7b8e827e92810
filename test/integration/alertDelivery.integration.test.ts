// Alert grouping and delivery against real PostgreSQL (alert_groups) and a real
// HTTP endpoint playing Slack's incoming webhook that fails on demand (issue 16 §2.8-9):
// a failed first POST does not turn its retry into a suppressed alert, a failed
// summary POST keeps its count for the next flush, and partner text is escaped.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebhookAlerter } from '../../src/alerts/webhookAlerter';
import type { Alert } from '../../src/alerts/types';
import { ensureDatabase } from '../../src/db/bootstrap';
import { migrate } from '../../src/db/migrate';
import { createDb, type Db } from '../../src/db/prisma';
import { createLogger } from '../../src/infra/log';
import { AlertGroups } from '../../src/store/alertGroups';
import { startAlertSink, type AlertSink } from '../support/alertSink';
import { waitFor } from '../support/wait';

/** Long enough that no window closes while a test runs, unless the test waits for it. */
const LONG_WINDOW_MS = 60_000;
const SHORT_WINDOW_MS = 300;

let db: Db;
let sink: AlertSink;
const alerter = (windowMs: number) =>
  new WebhookAlerter({
    groups: new AlertGroups<Alert>(db, windowMs),
    log: createLogger('silent', 'alerts-test'),
    url: sink.url,
  });

beforeAll(async () => {
  // A database of its own: a flush claims every due group, and must not take other test files' summaries.
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/alerts_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString());
  db = createDb({ url: url.toString() });
  sink = await startAlertSink();
});
afterAll(async () => {
  await sink?.close();
  await db?.$disconnect();
});

function parked(connectionId: string, title = 'Event parked'): Alert {
  return { kind: 'event.parked', connectionId, connector: 'rest', title, fields: { eventId: 'evt_1' } };
}

const newConnection = () => `alerts-${crypto.randomBytes(4).toString('hex')}`;
const received = (connectionId: string) =>
  sink.received.filter((b) => (b.syncline as { connectionId?: string }).connectionId === connectionId);

describe('alert delivery', () => {
  it('sends the retry of a first alert whose POST failed, instead of counting it as suppressed', async () => {
    const conn = newConnection();
    const alerts = alerter(LONG_WINDOW_MS);
    sink.failNext(1);
    await expect(alerts.send(parked(conn))).rejects.toThrow(/500/);
    await alerts.send(parked(conn));
    expect(received(conn).map((b) => (b.syncline as { grouped: boolean }).grouped)).toEqual([false]);
    // The window is open now: the next one is counted, not sent.
    await alerts.send(parked(conn));
    expect(received(conn)).toHaveLength(1);
  });

  it('keeps the count of a summary whose POST failed and sends it at the next flush', async () => {
    const conn = newConnection();
    const alerts = alerter(SHORT_WINDOW_MS);
    await alerts.send(parked(conn));
    await alerts.send(parked(conn, 'second'));
    await alerts.send(parked(conn, 'third'));
    await new Promise((r) => setTimeout(r, SHORT_WINDOW_MS + 50));

    sink.failNext(100);
    await expect(alerts.flush()).rejects.toThrow(/500/);
    sink.failNext(0);
    await waitFor('the summary', async () => {
      await alerts.flush();
      return received(conn).some((b) => (b.syncline as { grouped: boolean }).grouped) || undefined;
    });
    const summaries = received(conn).filter((b) => (b.syncline as { grouped: boolean }).grouped);
    expect(summaries.map((b) => (b.syncline as { suppressed: number }).suppressed)).toEqual([2]);
  });

  it('escapes <, > and & in partner text, so an event cannot ping the channel or plant a link', async () => {
    const conn = newConnection();
    await alerter(LONG_WINDOW_MS).send({
      ...parked(conn, 'Event parked: <!channel> & <https://evil.example|click>'),
      fields: { eventType: '<!here> order.updated', lastError: 'a > b & <@U123>' },
    });
    const [body] = received(conn);
    // Everything Slack parses as mrkdwn: the top-level text and the mrkdwn blocks (plain_text is shown literally).
    const mrkdwn = (body!.blocks as { text: { type: string; text: string } }[]).filter((b) => b.text.type === 'mrkdwn');
    const text = JSON.stringify([body!.text, mrkdwn]);
    expect(text).not.toMatch(/<!channel>|<!here>|<@U123>|<https:\/\/evil/);
    expect(body!.text).toBe('Event parked: &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(text).toContain('a &gt; b &amp; &lt;@U123&gt;');
  });
});
