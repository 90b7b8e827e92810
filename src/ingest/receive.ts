// The receiver's contract, independent of HTTP. In this order: verify the
// signature over the raw bytes; require JSON; parse; read the event's identity;
// hand it to Temporal. It reports "accepted" only once Temporal holds the event
// (or, past the admission limit in overflow mode, once the overflow inbox row
// has committed: src/ingest/overloadGate.ts), and never waits for processing. Every rejection is a named error that
// src/api/errors.ts maps to a status.
//
// The ack is thin: no database write stands between the signature check and
// the start (the connection itself comes from a cache). The workflow's first
// step records the webhook_events row, so a PostgreSQL outage delays recording
// but does not refuse deliveries. Two exceptions: a body too large for the
// workflow input is stored on its row first (and a database outage then
// answers 503), and a duplicate delivery is counted on the row off the ack path.
import { getConnector } from '../connectors/connectorRegistry';
import type { Json, ResolvedConnection } from '../connectors/types';
import type { ProcessEventInput } from '../contracts/processEventContract';
import { isFinal } from '../store/eventTransitions';
import { verifySignature, type IncomingHeaders } from '../signatures';
import type { DeliveryRecorder } from './deliveryRecorder';
import type { AdmitOutcome, EventAdmitter } from './overloadGate';
import { eventWorkflowId } from './workflowId';
import { boundIdentity } from './eventIdentity';
import type { SealedFields } from '../crypto/inputSeal';
import { MalformedDeliveryError, RateLimitedError } from '../errors/ingestErrors';
import type { ConnectionRateLimiter } from './rateLimit';
import type { ReplayGuard } from './replayGuard';
import { UnsupportedMediaTypeError, WebhooksNotSupportedError } from '../errors/ingestErrors';

export interface ReceiveDeps {
  events: DeliveryRecorder;
  /** The EventStarter, or the overload gate in front of it (src/ingest/overloadGate.ts). */
  starter: EventAdmitter;
  nowMs: () => number;
  inlinePayloadMaxBytes: number;
  /**
   * Per-connection rate limit, taken only by a delivery that passed every check and would start a run:
   * unsigned or malformed floods cannot use up a connection's budget. Absent = none.
   */
  rateLimiter?: ConnectionRateLimiter;
  /** Same body under a new event id, for schemes that do not sign a timestamp (src/ingest/replayGuard.ts). */
  replayGuard?: ReplayGuard;
  /** Vouches for the workflow input (src/crypto/inputSeal.ts): the worker trusts only sealed input. */
  seal: (fields: SealedFields) => string;
}

export type ReceiveResult =
  | { status: 'accepted' | 'duplicate'; eventId: string; workflowId: string }
  /** The connector chose not to sync this delivery (a ping, an unclaimed event type): no workflow. */
  | { status: 'ignored'; eventId: string | null; reason: string };

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJsonBody(raw: Buffer): Json {
  try {
    return JSON.parse(utf8.decode(raw)) as Json;
  } catch {
    throw new MalformedDeliveryError('body is not valid UTF-8 JSON');
  }
}

export async function receiveWebhook(
  deps: ReceiveDeps,
  conn: ResolvedConnection,
  headers: IncomingHeaders,
  rawBody: Buffer,
): Promise<ReceiveResult> {
  const connector = getConnector(conn.connector);
  const signature = connector.signature(conn.settings);
  if (!signature) throw new WebhooksNotSupportedError(`connection ${conn.id} is polling-only`);
  const verified = verifySignature(signature, {
    headers,
    rawBody,
    secrets: conn.signingSecrets,
    nowSec: Math.floor(deps.nowMs() / 1000),
  });

  const contentType = headers['content-type'];
  if (typeof contentType !== 'string' || !JSON_TYPE.test(contentType))
    throw new UnsupportedMediaTypeError('expected Content-Type application/json');
  const body = parseJsonBody(rawBody);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new MalformedDeliveryError('body must be a JSON object');
  const read = connector.readDelivery({ headers, body, headerEventId: verified.headerEventId }, conn.settings);
  if ('ignored' in read) return { status: 'ignored', eventId: read.eventId, reason: read.ignored };
  const info = boundIdentity(read);
  if (verified.timestampSec === undefined && deps.replayGuard) {
    const seen = deps.replayGuard.check(conn.id, rawBody, info.eventId);
    // A replayed body under a new id: a duplicate of the delivery that brought it first.
    if (seen.replay)
      return {
        status: 'duplicate',
        eventId: seen.firstEventId,
        workflowId: eventWorkflowId(conn.id, seen.firstEventId),
      };
  }
  const waitSec = deps.rateLimiter?.take(conn.id) ?? 0;
  if (waitSec > 0) throw new RateLimitedError(waitSec);

  const workflowId = eventWorkflowId(conn.id, info.eventId);
  const trustPayload = connector.trustsPayload(conn.settings, info);
  const receivedAtMs = deps.nowMs();
  const inline = rawBody.length <= deps.inlinePayloadMaxBytes;
  const inlinePayload = inline && trustPayload ? body : null;
  const input: ProcessEventInput = {
    ...info,
    eventRowId: null,
    receivedAtMs,
    payloadBytes: rawBody.length,
    connectionId: conn.id,
    connector: conn.connector,
    trustPayload,
    inlinePayload,
    seal: deps.seal({ ...info, connectionId: conn.id, trustPayload, inlinePayload }),
    retry: connector.retrySettings(conn.settings),
    fetchTimeoutMs: fetchAttemptTimeout(connector.httpTimeoutMs(conn.settings)),
  };
  const row = { ...info, connectionId: conn.id, workflowId, receivedAtMs, payloadBytes: rawBody.length };

  if (inline) {
    // Thin ack: Temporal holding the event is all a 202 needs. The workflow records the row.
    // Exactly one delivery creates the run: that one is "accepted", every other one attached to it.
    if (isNew(await deps.starter.start(workflowId, input)))
      return { status: 'accepted', eventId: info.eventId, workflowId };
    deps.events.countRedelivery(row);
    return { status: 'duplicate', eventId: info.eventId, workflowId };
  }

  // Too large to travel in the input: the body goes to the row first, and the run reads it from there.
  const registered = await deps.events.register({ ...row, payload: rawBody });
  if (isFinal(registered.status)) return { status: 'duplicate', eventId: info.eventId, workflowId };
  const outcome = await deps.starter.start(workflowId, { ...input, eventRowId: registered.eventRowId });
  if (!isNew(outcome)) return { status: 'duplicate', eventId: info.eventId, workflowId };
  // A queued event is marked accepted by the relay, once Temporal holds it.
  if (outcome === 'created') deps.events.markAccepted(registered.eventRowId);
  return { status: 'accepted', eventId: info.eventId, workflowId };
}

/** This delivery is the one that handed the event over: Temporal created the run, or the inbox row is this delivery's. */
function isNew(outcome: AdmitOutcome): boolean {
  return outcome === 'created' || outcome === 'queued';
}

/** One fetch attempt may take the partner's HTTP timeout plus a margin; a worker that dies mid-fetch is noticed after that. */
const FETCH_ATTEMPT_MARGIN_MS = 5_000;

function fetchAttemptTimeout(httpTimeoutMs: number | undefined): number | undefined {
  return httpTimeoutMs === undefined ? undefined : httpTimeoutMs + FETCH_ATTEMPT_MARGIN_MS;
}
