// Delivers alerts: always a structured log line (event "alert.sent" or
// "alert.grouped"), and, when ALERT_WEBHOOK_URL is set, a POST of
// Slack-compatible JSON ({ text, blocks }) plus a machine-readable `syncline`
// object. A non-2xx answer throws, so the calling activity retries; the group's
// window (or the summary's count) is given back first, so the retry is sent and
// no count is lost. Partner-controlled text is escaped for mrkdwn (<, >, &), so
// an event cannot ping <!channel> or plant a link.
import type { Logger } from '../infra/log';
import type { AlertGroups, Summary } from '../store/alertGroups';
import type { Alert, Alerter } from './types';

export interface WebhookAlerterOptions {
  groups: AlertGroups<Alert>;
  log: Logger;
  url?: string;
  http?: typeof fetch;
  timeoutMs?: number;
}

export class WebhookAlerter implements Alerter {
  constructor(private readonly opts: WebhookAlerterOptions) {}

  async send(alert: Alert): Promise<void> {
    if (!(await this.opts.groups.admit(alert))) {
      this.opts.log.warn(
        { event: 'alert.grouped', kind: alert.kind, connectionId: alert.connectionId, ...alert.fields },
        alert.title,
      );
      return;
    }
    this.opts.log.warn(
      {
        event: 'alert.sent',
        kind: alert.kind,
        connectionId: alert.connectionId,
        link: alert.link,
        command: alert.command,
        ...alert.fields,
      },
      alert.title,
    );
    try {
      await this.post(render(alert), { ...alert, grouped: false });
    } catch (err) {
      await this.opts.groups.release(alert);
      throw err;
    }
  }

  /** Sends one summary per group whose window closed with suppressed alerts. Returns how many were sent. */
  async flush(): Promise<number> {
    const due = await this.opts.groups.dueSummaries();
    let failed: unknown;
    for (const s of due) {
      const title = `${s.suppressed} more ${s.kind} alert(s) for connection ${s.connectionId} since ${s.since.toISOString()}`;
      this.opts.log.warn(
        { event: 'alert.summary', kind: s.kind, connectionId: s.connectionId, suppressed: s.suppressed },
        title,
      );
      try {
        await this.post(renderSummary(title, s), {
          kind: s.kind,
          connectionId: s.connectionId,
          grouped: true,
          suppressed: s.suppressed,
          latest: s.latest,
        });
      } catch (err) {
        await this.opts.groups.restore(s);
        failed ??= err;
      }
    }
    if (failed) throw failed;
    return due.length;
  }

  private async post(body: { text: string; blocks: unknown[] }, machine: unknown): Promise<void> {
    if (!this.opts.url) return;
    const res = await (this.opts.http ?? fetch)(this.opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, syncline: machine }),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`alert webhook answered ${res.status}`);
  }
}

/** Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function render(alert: Alert): { text: string; blocks: unknown[] } {
  const lines = Object.entries(alert.fields).map(([k, v]) => `*${escapeMrkdwn(k)}*: ${escapeMrkdwn(String(v ?? '-'))}`);
  if (alert.command) lines.push(`*replay*: \`${escapeMrkdwn(alert.command)}\``);
  if (alert.link) lines.push(`*workflow*: <${escapeMrkdwn(alert.link)}|open in Temporal Web UI>`);
  return {
    text: escapeMrkdwn(alert.title),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: alert.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    ],
  };
}

function renderSummary(title: string, s: Summary<Alert>): { text: string; blocks: unknown[] } {
  const latest = s.latest
    ? `Latest: ${escapeMrkdwn(s.latest.title)}${s.latest.link ? ` <${escapeMrkdwn(s.latest.link)}|workflow>` : ''}`
    : '';
  const safeTitle = escapeMrkdwn(title);
  return {
    text: safeTitle,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${safeTitle}*\n${latest}` } }],
  };
}
