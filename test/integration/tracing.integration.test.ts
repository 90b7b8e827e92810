// Tracing end to end on the real Temporal dev server and PostgreSQL: the API and
// worker run in this process with tracing on, their spans going to an in-memory
// exporter, and each webhook / reconciliation run must come out as ONE trace whose
// parent/child links (span ids) go HTTP receipt -> workflow start -> workflow ->
// activities -> partner call -> database statements.
// Ours: syncline's receipt, partner-call and database spans (src/tracing). Theirs:
// the StartWorkflow / RunWorkflow / StartActivity / RunActivity spans, made by
// @temporalio/interceptors-opentelemetry (client, workflow-bundle and activity
// interceptors, the workflow spans reaching us through its sink), and
// InMemorySpanExporter from @opentelemetry/sdk-trace-base.
import fs from 'node:fs';
import path from 'node:path';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { reconcileServiceFor } from '../../src/reconcile';
import type { SignatureConfig } from '../../src/signatures/types';
import { startTracingWith, type Tracing } from '../../src/tracing/tracing';
import { tracedBundlePath, WORKFLOWS_PATH, workflowInterceptorModules } from '../../src/worker/workflowBundle';
import { waitForEventStatus } from '../support/events';
import { changesSettings } from '../support/reconcileFixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const STRIPE: SignatureConfig = { scheme: 'stripe' };
const SECRET = 'whsec_tracing_secret';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let sys: TestSystem;
let conn: string;

const idOf = (s: ReadableSpan) => s.spanContext().spanId;
const traceOf = (s: ReadableSpan) => s.spanContext().traceId;

/** The one finished span matching, or undefined; more than one is a failure. */
function only(spans: ReadableSpan[], what: string, match: (s: ReadableSpan) => boolean): ReadableSpan | undefined {
  const found = spans.filter(match);
  if (found.length > 1) throw new Error(`${found.length} spans ${what}: ${found.map((s) => s.name).join(', ')}`);
  return found[0];
}

const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanId === idOf(parent) && traceOf(s) === traceOf(parent));

function childNamed(spans: ReadableSpan[], parent: ReadableSpan, name: string): ReadableSpan {
  const found = childrenOf(spans, parent).filter((s) => s.name === name);
  expect(
    found.map((s) => s.name),
    `children of ${parent.name} named ${name}`,
  ).toEqual([name]);
  return found[0]!;
}

/** An activity as the chain shows it: the workflow's StartActivity span, and the worker's RunActivity under it. */
function activity(spans: ReadableSpan[], workflow: ReadableSpan, name: string): ReadableSpan {
  const start = childrenOf(spans, workflow).find((s) => s.name === `StartActivity:${name}`);
  expect(start, `StartActivity:${name} under ${workflow.name}`).toBeDefined();
  return childNamed(spans, start!, `RunActivity:${name}`);
}

/** The spans under `root` (root included), following parent ids. */
function subtree(spans: ReadableSpan[], root: ReadableSpan): ReadableSpan[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...childrenOf(spans, out[i]!));
  return out;
}

const isDb = (s: ReadableSpan) => s.attributes['db.system'] === 'postgresql';

beforeAll(async () => {
  tracing = startTracingWith(new SimpleSpanProcessor(exporter), 'syncline-test');
  // The prebuilt-bundle path production uses: a worker with tracing loads `<bundle>.traced.js`.
  const dir = path.join(inject('runDir'), `tracing-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: workflowInterceptorModules(true),
  });
  fs.writeFileSync(tracedBundlePath(bundlePath), code);
  sys = await startTestSystem('tracing', {}, { tracing, workflowBundlePath: bundlePath });
  conn = await sys.addConnection({
    name: 'traced',
    signature: STRIPE,
    secrets: [SECRET],
    settings: { changes: changesSettings('cursor') },
  });
});
afterAll(async () => {
  await sys?.stop();
  await tracing?.shutdown();
});

describe('tracing', () => {
  it('gives a webhook one trace: receipt -> workflow start -> workflow -> activities -> partner call -> database', async () => {
    const snap = sys.partner.store.upsert('order', 'o-traced', { total: 42 });
    const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
    expect((await sys.sender(conn, STRIPE, SECRET).deliver(event)).status).toBe(202);
    await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');

    // The workflow's own span is exported when its run completes, through the worker's sink.
    const run = await waitFor('the processEvent workflow span', async () =>
      only(
        exporter.getFinishedSpans(),
        'RunWorkflow:processEvent for the event',
        (s) => s.name === 'RunWorkflow:processEvent' && String(s.attributes.workflowId).startsWith(`event:${conn}:`),
      ),
    );
    const spans = exporter.getFinishedSpans().filter((s) => traceOf(s) === traceOf(run));

    const http = only(spans, 'of the receipt', (s) => s.name === 'POST /webhooks/:connectionId');
    expect(http, 'the receipt span in the workflow trace').toBeDefined();
    expect(http!.parentSpanId).toBeUndefined();
    expect(http!.attributes).toMatchObject({
      'syncline.connection_id': conn,
      'syncline.event_id': event.id,
      'syncline.webhook.outcome': 'accepted',
      'http.response.status_code': 202,
    });
    const start = childNamed(spans, http!, 'StartWorkflow:processEvent');
    expect(start.attributes.temporalWorkflowId).toBe(run.attributes.workflowId);
    expect(run.parentSpanId).toBe(idOf(start));

    // Activities: the local registration, then the partner fetch and the writes.
    const register = activity(spans, run, 'registerEvent');
    expect(subtree(spans, register).some(isDb), 'registerEvent writes the row').toBe(true);
    // One local activity (generation 3) fetches from the partner and writes the outcome in one transaction.
    const fetch = activity(spans, run, 'fetchAndFinish');
    const partnerCall = childNamed(spans, fetch, 'GET');
    expect(partnerCall.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200 });
    expect(new URL(sys.partner.url).port).toBe(String(partnerCall.attributes['server.port']));
    const writes = subtree(spans, fetch).filter(isDb);
    expect(writes.map((s) => s.name).join(', ')).toMatch(/sync_records/);

    // Nothing in the trace hangs loose: every span but the receipt has its parent in it.
    const ids = new Set(spans.map(idOf));
    expect(spans.filter((s) => s !== http && !ids.has(s.parentSpanId ?? '')).map((s) => s.name)).toEqual([]);
    // Spans carry identities, not bodies: the payload's fields appear in no attribute.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('"total"');
  });

  it('gives a scheduled reconciliation run one trace: workflow -> page activities -> partner calls -> database', async () => {
    sys.partner.store.upsert('contact', 'c-traced', { name: 'Ada' });
    const reconcile = reconcileServiceFor(sys.client, sys.rt);
    await reconcile.schedules.syncConnection(conn);
    try {
      await reconcile.trigger(conn, 'incremental');
      const run = await waitFor(
        'the reconcileConnection workflow span',
        async () =>
          only(
            exporter.getFinishedSpans(),
            'RunWorkflow:reconcileConnection',
            (s) => s.name === 'RunWorkflow:reconcileConnection' && String(s.attributes.workflowId).includes(conn),
          ),
        60_000,
      );
      const spans = exporter.getFinishedSpans().filter((s) => traceOf(s) === traceOf(run));
      // Started by the schedule, not by a client of ours: the workflow span is the root.
      expect(run.parentSpanId).toBeUndefined();
      const activities = childrenOf(spans, run)
        .filter((s) => s.name.startsWith('StartActivity:'))
        .flatMap((s) => childrenOf(spans, s));
      expect(activities.length).toBeGreaterThan(0);
      const partnerCalls = activities.flatMap((a) => childrenOf(spans, a).filter((s) => s.name === 'GET'));
      expect(partnerCalls.length, 'page activities call the partner').toBeGreaterThan(0);
      const paging = activities.filter((a) => childrenOf(spans, a).some((s) => s.name === 'GET'));
      expect(paging.flatMap((a) => subtree(spans, a)).filter(isDb).length, 'page activities write').toBeGreaterThan(0);
      const ids = new Set(spans.map(idOf));
      expect(spans.filter((s) => s !== run && !ids.has(s.parentSpanId ?? '')).map((s) => s.name)).toEqual([]);
    } finally {
      await reconcile.schedules.remove(conn, 'incremental').catch(() => undefined);
      await reconcile.schedules.remove(conn, 'full').catch(() => undefined);
    }
  });
});
