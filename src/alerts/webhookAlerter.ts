// Delivers alerts: always a structured log line (event "alert.sent" or
// "alert.grouped"), and, when ALERT_WEBHOOK_URL is set, a POST of
// Slack-compatible JSON ({ text, blocks }) plus a machine-readable `syncline`
// object. A non-2xx answer throws, so the calling activity retries.
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
    await this.post(render(alert), { ...alert, grouped: false });
  }

  /** Sends one summary per group whose window closed with suppressed alerts. Returns how many were sent. */
  async flush(): Promise<number> {
    const due = await this.opts.groups.dueSummaries();
    for (const s of due) {
      const title = `${s.suppressed} more ${s.kind} alert(s) for connection ${s.connectionId} since ${s.since.toISOString()}`;
      this.opts.log.warn(
        { event: 'alert.summary', kind: s.kind, connectionId: s.connectionId, suppressed: s.suppressed },
        title,
      );
      await this.post(renderSummary(title, s), {
        kind: s.kind,
        connectionId: s.connectionId,
        grouped: true,
        suppressed: s.suppressed,
        latest: s.latest,
      });
    }
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

function render(alert: Alert): { text: string; blocks: unknown[] } {
  const lines = Object.entries(alert.fields).map(([k, v]) => `*${k}*: ${v ?? '-'}`);
  if (alert.command) lines.push(`*replay*: \`${alert.command}\``);
  if (alert.link) lines.push(`*workflow*: <${alert.link}|open in Temporal Web UI>`);
  return {
    text: `${alert.title}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: alert.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    ],
  };
}

function renderSummary(title: string, s: Summary<Alert>): { text: string; blocks: unknown[] } {
  const latest = s.latest ? `Latest: ${s.latest.title}${s.latest.link ? ` <${s.latest.link}|workflow>` : ''}` : '';
  return { text: title, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${title}*\n${latest}` } }] };
}
