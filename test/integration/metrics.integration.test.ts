// /metrics on the API and on the worker move with real traffic: deliveries by
// outcome (accepted, duplicate, a forged one's 401 code, an unknown
// connection), the ack-latency histogram, events processed and parked, a
// partner 403 and 429, retries, and the Temporal SDK's own worker metrics.
// And the label set stays bounded: no connection id or event id in any label.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerEvent } from '../../dev/simulator';
import { WebhookSender } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { waitForEventStatus } from '../support/events';
import { sampleValue, scrape, type Sample } from '../support/metrics';
import { freePort } from '../../dev/support/ports';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const SIG: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_metrics_secret';
const FAST_RETRY = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 4, scheduleMs: [50, 100, 200] };

let sys: TestSystem;

beforeAll(async () => {
  // This file's worker is the first in its process, so its Runtime carries the SDK exporter.
  sys = await startTestSystem('metrics', { TEMPORAL_METRICS_PORT: String(await freePort()) });
});
afterAll(async () => {
  await sys?.stop();
});

function announce(type: string, id: string): PartnerEvent {
  const snap = sys.partner.store.upsert(type, id, { n: 1 });
  return sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
}

describe('metrics', () => {
  it('count deliveries, event outcomes and partner errors by connector and outcome only', async () => {
    const conn = await sys.addConnection({
      name: 'acme',
      signature: SIG,
      secrets: [SECRET],
      settings: { retry: FAST_RETRY },
    });
    const sender = sys.sender(conn, SIG, SECRET);

    const ok = sender.build(announce('order', 'm-1'));
    expect((await sender.send(ok)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, ok.eventId, 'processed');
    expect((await sender.send(ok)).status).toBe(200);

    const forger = new WebhookSender({
      targetUrl: `${sys.api.url}/webhooks/${conn}`,
      signature: SIG,
      secret: 'whsec_not_the_secret',
    });
    expect((await forger.deliver(announce('order', 'm-forged'))).status).toBe(401);
    const stranger = new WebhookSender({
      targetUrl: `${sys.api.url}/webhooks/${sys.prefix}-nobody`,
      signature: SIG,
      secret: SECRET,
    });
    expect((await stranger.deliver(announce('order', 'm-stranger'))).status).toBe(404);

    sys.partner.faults.failAlways({ type: 'order', id: 'm-parked' }, { status: 403 });
    const parked = announce('order', 'm-parked');
    expect((await sender.deliver(parked)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, parked.id, 'parked');

    sys.partner.faults.failNext({ type: 'order', id: 'm-limited' }, 1, { status: 429, retryAfterSec: 1 });
    const limited = announce('order', 'm-limited');
    expect((await sender.deliver(limited)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, limited.id, 'processed');

    const api = await scrape(sys.api.opsUrl);
    const received = (outcome: string, connector = 'rest') =>
      sampleValue(api.samples, 'syncline_webhooks_received_total', { connector, outcome });
    expect({
      accepted: received('accepted'),
      duplicate: received('duplicate'),
      invalid_signature: received('invalid_signature'),
      unknown_connection: received('unknown_connection', 'unknown'),
    }).toEqual({ accepted: 3, duplicate: 1, invalid_signature: 1, unknown_connection: 1 });
    expect(
      sampleValue(api.samples, 'syncline_webhook_ack_seconds_count', { connector: 'rest', outcome: 'accepted' }),
    ).toBe(3);
    expect(
      sampleValue(api.samples, 'syncline_webhook_ack_seconds_count', { connector: 'rest', outcome: 'rejected' }),
    ).toBe(1);

    const worker = await waitFor('the worker counters', async () => {
      const w = await scrape(sys.worker!.opsUrl!);
      return sampleValue(w.samples, 'syncline_events_total', { connector: 'rest', outcome: 'processed' }) >= 2
        ? w
        : undefined;
    });
    const count = (name: string, labels: Record<string, string>) => sampleValue(worker.samples, name, labels);
    expect({
      processed: count('syncline_events_total', { connector: 'rest', outcome: 'processed' }),
      parked: count('syncline_events_total', { connector: 'rest', outcome: 'parked' }),
      partner4xx: count('syncline_partner_errors_total', { connector: 'rest', status_class: '4xx' }),
      rateLimited: count('syncline_partner_rate_limited_total', { connector: 'rest' }),
    }).toEqual({ processed: 2, parked: 1, partner4xx: 2, rateLimited: 1 });
    expect(count('syncline_event_retries_total', { connector: 'rest' })).toBeGreaterThanOrEqual(1);
    // The SDK's own worker metrics, merged from its exporter.
    expect(worker.samples.some((s) => s.name.startsWith('temporal_'))).toBe(true);

    // (The test task queue carries the file prefix; the SDK labels by task queue, which is bounded.)
    const ids = [conn, `${sys.prefix}-nobody`, ok.eventId, parked.id, limited.id];
    const leaking = (samples: Sample[]) =>
      samples.filter((s) => Object.values(s.labels).some((v) => ids.some((id) => v.includes(id))));
    expect(leaking(api.samples)).toEqual([]);
    expect(leaking(worker.samples)).toEqual([]);
    const ours = [...api.samples, ...worker.samples].filter((s) => s.name.startsWith('syncline_'));
    const labelNames = new Set(ours.flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].sort()).toEqual(['connector', 'le', 'outcome', 'status_class']);
  });

  it('serves worker health and readiness next to its metrics', async () => {
    const url = sys.worker!.opsUrl!;
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('echoes a caller X-Request-Id and generates one otherwise', async () => {
    const given = await fetch(`${sys.api.url}/healthz`, { headers: { 'X-Request-Id': 'req-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('req-abc.123');
    const made = await fetch(`${sys.api.url}/healthz`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the metric catalog of the dashboard and the alert rules', () => {
  /** Metric names a PromQL expression reads (syncline's and the SDK's), without histogram/summary suffixes. */
  function queried(expr: string): string[] {
    return [...expr.matchAll(/\b((?:syncline|temporal)_[a-z0-9_]+)/g)].map((m) => m[1]!);
  }
  const base = (name: string) => name.replace(/_(bucket|count|sum)$/, '');

  it('finds every metric a dashboard panel or an alert rule queries on the API or worker /metrics', async () => {
    const root = path.resolve(__dirname, '../..');
    const dashboard = JSON.parse(
      fs.readFileSync(path.join(root, 'deploy/grafana/syncline-dashboard.json'), 'utf8'),
    ) as {
      panels: Array<{ targets?: Array<{ expr: string }> }>;
    };
    const rules = fs.readFileSync(path.join(root, 'deploy/prometheus/syncline-rules.yml'), 'utf8');
    const exprs = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...[...rules.matchAll(/expr: (?:\|\n)?([\s\S]*?)\n\s+(?:for|labels):/g)].map((m) => m[1]!),
    ];
    const wanted = new Set(exprs.flatMap(queried).map(base));
    expect(wanted.size).toBeGreaterThanOrEqual(14);

    const exposedNames = async () => {
      const texts = [(await scrape(sys.api.opsUrl)).text, (await scrape(sys.worker!.opsUrl!)).text];
      return new Set(
        texts.flatMap((t) =>
          t.split('\n').flatMap((line) => {
            const typed = /^# TYPE (\S+) /.exec(line);
            if (typed) return [typed[1]!];
            const sample = /^([a-zA-Z_:][\w:]*)/.exec(line);
            return sample ? [base(sample[1]!)] : [];
          }),
        ),
      );
    };
    // The SDK's histograms and gauges appear once its worker ran tasks (the first test processed events here).
    let missing: string[] = [];
    await waitFor(
      'every queried metric on /metrics',
      async () => {
        const names = await exposedNames();
        missing = [...wanted].filter((n) => !names.has(n)).sort();
        return missing.length === 0;
      },
      20_000,
    ).catch(() => undefined);
    expect(missing).toEqual([]);
  });
});
