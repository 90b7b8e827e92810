// The Temporal Web UI of cluster mode (github.com/temporalio/ui-server, its own
// process, reaching the frontend over mutual TLS) shows a parked event from the
// cluster: headless Chromium runs the documented query for a connection's
// parked events (docs/web-ui.md), finds the parked event and not the processed
// one beside it, and opens it. Needs Debian's Chromium (CHROMIUM_PATH overrides).
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PartnerEvent } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { waitForEventStatus } from '../support/events';
import { startTestSystem, type TestSystem } from '../support/system';
import { CHROMIUM, launchChromium } from '../support/browser';
import { waitFor } from '../support/wait';

const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'gh-cluster-ui-secret';
const UI_WAIT_MS = 15_000;
const parkedOfConnection = (conn: string) => `SynclineConnection = "${conn}" AND SynclineStatus = "parked"`;
// docs/web-ui.md's query: a first-try success keeps `processing` and its run is Completed.
const processedOfConnection = (conn: string) =>
  `SynclineConnection = "${conn}" AND (SynclineStatus = "processed" OR (SynclineStatus = "processing" AND ExecutionStatus = "Completed"))`;

let sys: TestSystem;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: run scripts/ensure-test-deps.sh as root, or set CHROMIUM_PATH`);
  // Payload encryption off, as in webUi.integration.test.ts: the cluster's UI has no codec endpoint, and an
  // encrypted summary shows as "No summary available" (payloadEncryption.integration.test.ts covers the codec).
  sys = await startTestSystem('cluster-ui', { WORKER_METRICS_PORT: '0', TEMPORAL_PAYLOAD_ENCRYPTION: 'false' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

async function deliverChange(conn: string, type: string, id: string): Promise<PartnerEvent> {
  const snap = sys.partner.store.upsert(type, id, { total: 1 });
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
  expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
  return event;
}

describe('Temporal Web UI on the cluster', () => {
  it('lists a parked event under the documented query and opens it', async ({ onTestFailed }) => {
    const uiUrl = inject('clusterEndpoints').ui;
    expect(uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const conn = await sys.addConnection({
      name: 'ui',
      signature: SIG,
      secrets: [SECRET],
      settings: { retry: { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 2 } },
    });
    sys.partner.faults.failAlways({ type: 'order', id: 'cu-parked' }, { status: 403 });
    const parkedEvent = await deliverChange(conn, 'order', 'cu-parked');
    const processedEvent = await deliverChange(conn, 'order', 'cu-ok');
    const parked = await waitForEventStatus(sys.rt.db, conn, parkedEvent.id, 'parked');
    const processed = await waitForEventStatus(sys.rt.db, conn, processedEvent.id, 'processed');
    const visible = async (q: string) => (await sys.client.workflow.count(q)).count;
    await waitFor(
      'SQL visibility to know one parked and one processed event',
      async () => (await visible(parkedOfConnection(conn))) === 1 && (await visible(processedOfConnection(conn))) === 1,
    );

    const page = await browser.newPage({ viewport: { width: 1680, height: 900 } });
    const outDir = path.join(inject('runDir'), 'web-ui');
    fs.mkdirSync(outDir, { recursive: true });
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(outDir, 'cluster-web-ui-failure.png'), fullPage: true });
    });
    const listUrl = `${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(parkedOfConnection(conn))}`;
    const link = (workflowId: string) => page.getByRole('link', { name: workflowId, exact: true });
    await waitFor(
      'the parked event in the Web UI list',
      async () => {
        await page.goto(listUrl);
        await link(parked.workflowId).first().waitFor({ timeout: UI_WAIT_MS });
        return true;
      },
      UI_WAIT_MS * 2,
    );
    expect(await link(processed.workflowId).count()).toBe(0);
    await page.screenshot({ path: path.join(outDir, 'cluster-web-ui-parked-list.png') });

    await link(parked.workflowId).first().click();
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    // Summary, details and current details render as Markdown, each in its own frame, in that order.
    const summary = await waitFor(
      'the summary',
      async () => {
        if ((await page.locator('iframe[title="output"]').count()) < 3) return undefined;
        const frame = page.frameLocator('iframe[title="output"]').first();
        const text = (await frame.locator('body').innerText({ timeout: UI_WAIT_MS })).trim();
        return text || undefined;
      },
      UI_WAIT_MS,
    );
    expect(summary.replace(/\s+/g, ' ')).toBe(`order.created order/cu-parked (${conn})`);
  });
});
