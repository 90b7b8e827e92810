// As an engineer would: headless Chromium opens the Temporal Web UI, runs the
// documented query for the parked events of one connection (docs/web-ui.md),
// finds the parked event and not the processed one beside it, then opens it and
// reads its summary and why it is parked. The shared test dev server is
// headless, so this file starts its own with the UI on. Needs Debian's
// Chromium (scripts/ensure-deps.sh installs it; CHROMIUM_PATH overrides).
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PartnerEvent } from '../../dev/simulator';
import type { SignatureConfig } from '../../src/signatures/types';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { statusQuery } from '../../src/temporal/searchAttributes';
import { waitForEventStatus } from '../support/events';
import { freePort } from '../../dev/support/ports';
import { startTestSystem, type TestSystem } from '../support/system';
import { CHROMIUM, launchChromium } from '../support/browser';
import { waitFor } from '../support/wait';

const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'gh-web-ui-secret';
const DOC = path.resolve(__dirname, '../../docs/web-ui.md');
const UI_WAIT_MS = 15_000;

/** The doc's query for "all parked events of one connection"; the test checks the doc still says this. */
const parkedOfConnection = (conn: string) => `SynclineConnection = "${conn}" AND SynclineStatus = "parked"`;

let server: DevServer;
let sys: TestSystem;
let browser: Browser;
let outDir: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: run scripts/ensure-deps.sh as root, or set CHROMIUM_PATH`);
  const port = await freePort();
  const dir = path.join(inject('runDir'), `web-ui-${port}`);
  outDir = dir;
  server = await startDevServer({
    binary: inject('temporalBinary'),
    port,
    uiPort: await freePort(),
    headless: false,
    dbFile: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, 'temporal.log'),
  });
  // WORKER_METRICS_PORT 0: the worker's ops server on any free port, so parallel test files do not collide.
  // Payload encryption off: this is about the documented queries and the summary (payloadEncryption.integration.test.ts reads encrypted runs through the codec server).
  sys = await startTestSystem('web-ui', {
    TEMPORAL_ADDRESS: server.address,
    WORKER_METRICS_PORT: '0',
    TEMPORAL_PAYLOAD_ENCRYPTION: 'false',
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
  await server?.stop();
});

async function deliverChange(conn: string, type: string, id: string): Promise<PartnerEvent> {
  const snap = sys.partner.store.upsert(type, id, { total: 1 });
  const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
  expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
  return event;
}

async function visibleCount(query: string): Promise<number> {
  return (await sys.client.workflow.count(query)).count;
}

/** Loads the page until `probe` finds what it waits for: the UI reads visibility once per load. */
async function loadUntil(page: Page, url: string, what: string, probe: () => Promise<boolean>): Promise<void> {
  await waitFor(
    what,
    async () => {
      await page.goto(url);
      return probe();
    },
    UI_WAIT_MS * 2,
  );
}

describe('Temporal Web UI', () => {
  it('lists a parked event under the documented query for its connection and shows its summary and why it is parked', async ({
    onTestFailed,
  }) => {
    expect(fs.readFileSync(DOC, 'utf8')).toContain(parkedOfConnection('<connection-id>'));
    // The processed query the page documents is the one tested below (src/temporal/searchAttributes.ts).
    expect(fs.readFileSync(DOC, 'utf8')).toContain(`SynclineConnection = "acme" AND ${statusQuery('processed')}`);

    const conn = await sys.addConnection({
      name: 'ui',
      signature: SIG,
      secrets: [SECRET],
      settings: { retry: { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 2 } },
    });
    sys.partner.faults.failAlways({ type: 'order', id: 'ui-parked' }, { status: 403 });
    const parkedEvent = await deliverChange(conn, 'order', 'ui-parked');
    const processedEvent = await deliverChange(conn, 'order', 'ui-ok');
    const parked = await waitForEventStatus(sys.rt.db, conn, parkedEvent.id, 'parked');
    const processed = await waitForEventStatus(sys.rt.db, conn, processedEvent.id, 'processed');
    // Both statuses must have reached visibility, so the processed event's absence below means something.
    await waitFor(
      'visibility to know one parked and one processed event',
      async () =>
        (await visibleCount(parkedOfConnection(conn))) === 1 &&
        (await visibleCount(`SynclineConnection = "${conn}" AND ${statusQuery('processed')}`)) === 1,
    );

    const page = await browser.newPage({ viewport: { width: 1680, height: 900 } });
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(outDir, 'web-ui-failure.png'), fullPage: true });
    });
    const listUrl = `${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(parkedOfConnection(conn))}`;
    const link = (workflowId: string) => page.getByRole('link', { name: workflowId, exact: true });
    await loadUntil(page, listUrl, 'the parked event in the Web UI list', async () => {
      await link(parked.workflowId).first().waitFor({ timeout: UI_WAIT_MS });
      return true;
    });
    // The UI 2.42 list has no summary column; what the summary says is shown through search attribute columns
    // (the gear icon, as docs/web-ui.md tells); Run ID, End and the saved views make way for them.
    await page.getByTestId('workflows-summary-table-configuration-button').click();
    for (const name of ['SynclineStatus', 'SynclineEventType', 'SynclineObjectId'])
      await page.getByRole('button', { name: `Add ${name} column` }).click();
    for (const name of ['Run ID', 'End']) await page.getByRole('button', { name: `Remove ${name} column` }).click();
    await page.getByRole('button', { name: 'Close Workflows Table configuration' }).click();
    await page.getByRole('button', { name: 'Collapse saved views' }).click();

    const rows = page.getByTestId('workflows-summary-configurable-table-row');
    await rows.filter({ hasText: 'ui-parked' }).first().waitFor({ timeout: UI_WAIT_MS });
    expect(await rows.count()).toBe(1);
    const row = (await rows.first().innerText()).split(/\s+/);
    expect(row).toEqual(
      expect.arrayContaining([parked.workflowId, 'Running', 'processEvent', 'parked', 'order.created', 'ui-parked']),
    );
    expect(await link(processed.workflowId).count()).toBe(0);
    await page.screenshot({ path: path.join(outDir, 'web-ui-parked-list.png') });

    await link(parked.workflowId).first().click();
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    // Summary, details and current details render as Markdown, each in its own frame, in that order.
    const frames = page.locator('iframe[title="output"]');
    const shown = await waitFor(
      'the summary, details and current details',
      async () => {
        if ((await frames.count()) < 3) return undefined;
        const texts = await Promise.all(
          [0, 1, 2].map((i) => page.frameLocator('iframe[title="output"]').nth(i).locator('body').innerText()),
        );
        return texts.every((t) => t.trim()) ? texts.map((t) => t.replace(/\s+/g, ' ').trim()) : undefined;
      },
      UI_WAIT_MS,
    );
    expect(shown[0]).toBe(`order.created order/ui-parked (${conn})`);
    expect(shown[1]).toContain(`Partner event ${parkedEvent.id} on connection ${conn}`);
    expect(shown[2]).toContain(
      'parked: order.created order/ui-parked failed: PartnerPermanentError: partner answered 403.',
    );
    expect(shown[2]).toContain(`npx syncline events replay ${conn} ${parkedEvent.id}`);
    for (const heading of ['Summary', 'Details', 'Current Details'])
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    await page.screenshot({ path: path.join(outDir, 'web-ui-parked-event.png') });
  });
});
