// Delivers partner events to a webhook endpoint the way a partner would. Contract: build()
// serialises and signs once, so sending the same Delivery again reproduces the exact bytes,
// headers and signature timestamp of a partner's duplicate delivery. send() resolves with
// whatever status the receiver answered; it rejects (WebhookSendError) only when no HTTP
// answer arrived: connection failure, reset, or the timeout.

import { signDelivery } from '../../src/signatures';
import type { SignatureConfig } from '../../src/signatures/types';
import type { PartnerEvent } from './eventFactory';
import type { Clock } from './types';

export const DEFAULT_SEND_TIMEOUT_MS = 10_000;

export interface WebhookSenderOptions {
  targetUrl: string;
  signature: SignatureConfig;
  secret: string;
  clock?: Clock;
  timeoutMs?: number;
}

export interface Delivery {
  readonly eventId: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
}

export interface SendResult {
  status: number;
  body: string;
}

export class WebhookSendError extends Error {
  override readonly name = 'WebhookSendError';
  constructor(
    readonly eventId: string,
    cause: unknown,
  ) {
    super(`webhook delivery of ${eventId} got no HTTP answer`, { cause });
  }
}

export class WebhookSender {
  private readonly clock: Clock;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  build(event: PartnerEvent): Delivery {
    const rawBody = Buffer.from(JSON.stringify(event), 'utf8');
    const nowSec = Math.floor(this.clock() / 1000);
    const signed = signDelivery(this.opts.signature, { rawBody, secret: this.opts.secret, nowSec, eventId: event.id });
    return { eventId: event.id, rawBody, headers: { ...signed, 'content-type': 'application/json' } };
  }

  async send(delivery: Delivery): Promise<SendResult> {
    try {
      const response = await fetch(this.opts.targetUrl, {
        method: 'POST',
        headers: delivery.headers,
        // A copy, so nothing downstream can alter the bytes a later duplicate will resend.
        body: new Uint8Array(delivery.rawBody),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS),
      });
      return { status: response.status, body: await response.text() };
    } catch (err) {
      throw new WebhookSendError(delivery.eventId, err);
    }
  }

  /** Builds and sends a fresh delivery of `event`. */
  async deliver(event: PartnerEvent): Promise<SendResult> {
    return this.send(this.build(event));
  }
}
