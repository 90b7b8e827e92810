// The codec server the Temporal Web UI (and `temporal` CLI) call to show
// encrypted payloads decoded, on the ops port (Temporal's codec server protocol):
//   POST /codec/decode  {payloads:[{metadata:{k:base64}, data:base64}]} → the same, decoded
//   POST /codec/encode  the same, encoded (the UI encodes what an engineer types: signals, queries)
// Authorisation: `Authorization: Bearer <CODEC_TOKEN, else ADMIN_TOKEN>`; no
// token configured = the codec server does not exist (404); a missing or wrong
// token is 401. CORS: only pages of the configured origins (the Web UI's) get
// CORS headers; a preflight from any other origin is 403, and so is a request
// carrying another Origin (a browser page elsewhere must not use an engineer's
// token). Requests without Origin (CLI, curl) are judged by the token alone.
import express, { type RequestHandler, type Router } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { requireAdminToken } from './adminAuth';
import { parse } from './adminHttp';
import { InvalidRequestError } from '../errors/operatorErrors';

/** Largest request body: a page of history payloads (Temporal's own payload limit is 2 MiB each). */
const CODEC_BODY_LIMIT = '16mb';
const PREFLIGHT_MAX_AGE_SEC = 600;
/** What the Web UI sends: Content-Type (JSON), X-Namespace, and Authorization when it passes a token. */
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Bearer token; unset = codec server off (404). */
  token?: string;
  /** Origins (scheme://host[:port]) whose pages may call it. */
  origins: readonly string[];
}

const b64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
const payloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), b64).optional(), data: b64.optional() })).default([]),
});
type JsonPayload = z.infer<typeof payloadsBody>['payloads'][number];

function fromJson(p: JsonPayload): Payload {
  const metadata = Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): JsonPayload {
  const metadata = Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  );
  return { metadata, data: Buffer.from(p.data ?? []).toString('base64') };
}

/** Origin check and CORS headers; ends preflights itself. */
function cors(origins: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined) return next();
    if (!origins.has(origin)) {
      res.status(403).json({ error: 'origin_not_allowed' });
      return;
    }
    res.set({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      Vary: 'Origin',
    });
    if (req.method !== 'OPTIONS') return next();
    res
      .set({
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SEC),
      })
      .status(204)
      .end();
  };
}

export function codecRouter(opts: CodecServerOptions): Router {
  const router = express.Router();
  const auth = requireAdminToken(opts.token, {
    disabled: 'codec server is disabled: set CODEC_TOKEN or ADMIN_TOKEN',
    wrong: 'missing or wrong codec token',
  });
  const json = express.json({ limit: CODEC_BODY_LIMIT, type: () => true });
  for (const op of ['encode', 'decode'] as const) {
    router.options(`/codec/${op}`, cors(new Set(opts.origins)));
    router.post(`/codec/${op}`, cors(new Set(opts.origins)), auth, json, async (req, res) => {
      const body = parse(payloadsBody, req.body);
      const payloads = body.payloads.map(fromJson);
      const out = await (op === 'encode' ? opts.codec.encode(payloads) : opts.codec.decode(payloads)).catch(
        (err: Error) => {
          // An unknown key id or a tampered payload: the caller's data, not this server, is at fault.
          throw new InvalidRequestError(err.message);
        },
      );
      res.json({ payloads: out.map(toJson) });
    });
  }
  return router;
}

/** CODEC_CORS_ORIGINS, else the Web UI's origin (TEMPORAL_UI_URL, or the dev server's UI). */
export function codecOrigins(configured: string | undefined, uiUrl: string | undefined): string[] {
  if (configured)
    return configured
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => new URL(s).origin);
  return uiUrl ? [new URL(uiUrl).origin] : [];
}
