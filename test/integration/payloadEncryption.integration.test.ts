// Partner data is encrypted in Temporal (docs/security.md). A webhook whose
// body and partner object carry a unique marker is processed end to end; then:
// - the dev server's own SQLite file (its histories) holds no marker bytes,
//   while PostgreSQL's sync_records holds the marker (so the search can fail),
//   and a run started by a client without the codec puts its marker in the
//   same file (so the search finds payloads where they are);
// - headless Chromium on the Web UI (Temporal's, built into the dev server)
//   shows the run's input encoded without a codec endpoint, and decoded once
//   the UI is pointed at syncline's codec server (`--ui-codec-endpoint`);
// - the encrypted history replays with the codec;
// - the codec server refuses requests without the token (401) and pages of
//   other origins (403, no CORS headers), and answers the UI's preflight.
// Its own dev server (file-backed, UI on), restarted once to add the endpoint.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SignatureConfig } from '../../src/signatures/types';
import { ENCRYPTED_ENCODING } from '../../src/crypto/payloadCodec';
import { temporalDataConverter } from '../../src/temporal/dataConverter';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/temporal/devServer';
import { record, waitForEventStatus } from '../support/events';
import { freePort } from '../../dev/support/ports';
import { startTestSystem, uniqueName, type TestSystem } from '../support/system';
import { CHROMIUM, launchChromium } from '../support/browser';
import { waitFor } from '../support/wait';

const SIG: SignatureConfig = { scheme: 'github' };
const SECRET = 'codec-test-secret';
const TOKEN = 'codec-test-token-0123456789';
const UI_WAIT_MS = 20_000;
const MARKER = uniqueName('partner-email-marker');
const CONTROL_MARKER = uniqueName('plain-client-marker');

let serverOpts: DevServerOptions;
let server: DevServer;
let sys: TestSystem;
let browser: Browser;
let outDir: string;
/** A run of a connection that fetches the object state (the marker is in the fetched state). */
let workflowId: string;
/** A run of a connection that trusts the webhook payload (the marker is in the run's input, shown first in the UI). */
let uiWorkflowId: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: run scripts/ensure-deps.sh as root, or set CHROMIUM_PATH`);
  const port = await freePort();
  outDir = path.join(inject('runDir'), `codec-${port}`);
  serverOpts = {
    binary: inject('temporalBinary'),
    port,
    uiPort: await freePort(),
    headless: false,
    dbFile: path.join(outDir, 'temporal.db'),
    logFile: path.join(outDir, 'temporal.log'),
  };
  server = await startDevServer(serverOpts);
  sys = await startTestSystem('codec', {
    TEMPORAL_ADDRESS: server.address,
    WORKER_METRICS_PORT: '0',
    CODEC_TOKEN: TOKEN,
    TEMPORAL_UI_URL: server.uiUrl!,
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
  await server?.stop();
});

/** Every file of the dev server's SQLite database (the WAL holds recent writes). */
function temporalStorage(): Buffer {
  const files = fs.readdirSync(outDir).filter((f) => f.startsWith('temporal.db'));
  return Buffer.concat(files.map((f) => fs.readFileSync(path.join(outDir, f))));
}

/** The run's page, with the authorisation an engineer's UI sends to the codec server. */
async function runPage(): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1600, height: 2400 },
    extraHTTPHeaders: { Authorization: `Bearer ${TOKEN}` },
  });
  return context.newPage();
}

/** The UI run's page text, once `until` holds (the UI renders payloads after it loads the history). */
async function pageText(page: Page, until: (text: string) => boolean, what: string): Promise<string> {
  const url = `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(uiWorkflowId)}`;
  return waitFor(
    what,
    async () => {
      await page.goto(url);
      return waitFor(
        'the input to render',
        async () => {
          const t = await page.locator('body').innerText();
          return until(t) ? t : undefined;
        },
        UI_WAIT_MS,
      ).catch(() => undefined);
    },
    UI_WAIT_MS * 3,
  );
}

describe('partner data in Temporal', () => {
  it('is processed end to end, and the run input in its history is encrypted', async () => {
    const fetching = await sys.addConnection({ name: 'enc', signature: SIG, secrets: [SECRET] });
    const trusting = await sys.addConnection({
      name: 'enc-trust',
      signature: SIG,
      secrets: [SECRET],
      settings: { trustPayload: true },
    });
    const deliver = async (conn: string, objectId: string) => {
      const snap = sys.partner.store.upsert('customer', objectId, { email: MARKER });
      const event = sys.partner.events.fromChange(sys.partner.store.changeAt(snap.version)!);
      expect(JSON.stringify(event)).toContain(MARKER);
      expect((await sys.sender(conn, SIG, SECRET).deliver(event)).status).toBe(202);
      const { workflowId: id } = await waitForEventStatus(sys.rt.db, conn, event.id, 'processed');
      expect(JSON.stringify((await record(sys.rt.db, conn, 'customer', objectId))?.data)).toContain(MARKER);
      return id;
    };
    workflowId = await deliver(fetching, 'c-1');
    uiWorkflowId = await deliver(trusting, 'c-2');
    const history = await sys.client.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(input?.metadata?.['encryption-key-id'] ?? []).toString()).toBe(sys.rt.codec.keyId);

    // The history as stored replays on today's workflow code with the codec.
    await Worker.runReplayHistory(
      {
        workflowBundle: { codePath: inject('workflowBundlePath') },
        dataConverter: temporalDataConverter(sys.rt.codec),
      },
      history,
      workflowId,
    );
  });

  it('the codec server refuses a missing or wrong token and foreign origins, and answers the Web UI preflight', async () => {
    const base = `${sys.api.opsUrl}/codec`;
    const body = JSON.stringify({ payloads: [] });
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    const ok = await post({ authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ payloads: [] });

    const uiOrigin = new URL(server.uiUrl!).origin;
    const preflight = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: uiOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');

    const foreign = await post({ origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const foreignPreflight = await fetch(`${base}/encode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreignPreflight.headers.get('access-control-allow-origin')).toBeNull();

    // Round trip through the server: encode then decode gives the payload back.
    const plain = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('"x"').toString('base64'),
    };
    const enc = (await (await post0('encode', [plain])).json()) as { payloads: (typeof plain)[] };
    expect(Buffer.from(enc.payloads[0]!.metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(await (await post0('decode', enc.payloads)).json()).toEqual({ payloads: [plain] });

    function post0(op: string, payloads: unknown[]) {
      return fetch(`${base}/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ payloads }),
      });
    }
  });

  it('the Web UI shows the input encrypted without a codec endpoint', async ({ onTestFailed }) => {
    const page = await runPage();
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(outDir, 'ui-without-codec-failure.png'), fullPage: true });
    });
    const text = await pageText(
      page,
      (t) => t.includes(ENCRYPTED_ENCODING) || t.includes(Buffer.from(ENCRYPTED_ENCODING).toString('base64')),
      'the encoded input in the Web UI',
    );
    expect(text).not.toContain(MARKER);
    await page.screenshot({ path: path.join(outDir, 'ui-without-codec.png'), fullPage: true });
    await page.context().close();
  });

  it("Temporal's storage holds no marker, though it holds a plain client's payload", async () => {
    // A client without the codec (not syncline's) starts a run nobody works on: its input is plain.
    const plain = await Connection.connect({ address: server.address });
    try {
      await new Client({ connection: plain }).workflow.start('processEvent', {
        taskQueue: `nobody-${uniqueName('q')}`,
        workflowId: uniqueName('plain-run'),
        args: [{ note: CONTROL_MARKER }],
      });
    } finally {
      await plain.close();
    }
    await server.stop(); // the files are complete once the server has closed them
    const stored = temporalStorage();
    expect(stored.includes(workflowId) && stored.includes(uiWorkflowId), 'the search reads the right files').toBe(true);
    expect(stored.includes(CONTROL_MARKER), 'a plain payload is found where it is').toBe(true);
    expect(stored.includes(MARKER), 'no partner data in plain text').toBe(false);
    expect(stored.includes(Buffer.from(MARKER).toString('base64'))).toBe(false);
  });

  it('the Web UI shows the input decoded through the codec server', async ({ onTestFailed }) => {
    server = await startDevServer({ ...serverOpts, extraArgs: ['--ui-codec-endpoint', `${sys.api.opsUrl}/codec`] });
    const page = await runPage();
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(outDir, 'ui-with-codec-failure.png'), fullPage: true });
    });
    await pageText(page, (t) => t.includes(MARKER), 'the decoded input in the Web UI');
    await page.screenshot({ path: path.join(outDir, 'ui-with-codec.png'), fullPage: true });
    await page.context().close();
  });
});
