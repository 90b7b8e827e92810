// Contract for webhook signature schemes. Verification runs over the exact raw
// bytes of the request body, before anything parses it, and every failure is a
// SignatureError whose code is safe to show to the sender (no secret material).

export type SchemeName = 'stripe' | 'github' | 'shopify' | 'standard-webhooks' | 'hmac';

/** Per-connection signature settings; presets fill in everything but `scheme`. */
export interface SignatureConfig {
  scheme: SchemeName;
  /** hmac only: header carrying the signature (case-insensitive). */
  header?: string;
  /** hmac only: digest encoding. Default hex. */
  encoding?: 'hex' | 'base64';
  /** hmac only: prefix stripped from the header value, e.g. "sha256=". */
  prefix?: string;
  /** hmac only: header carrying a unix-seconds timestamp; when set the signed content is `${ts}.${body}`. */
  timestampHeader?: string;
  /** hmac only: HMAC algorithm. Default sha256. */
  algorithm?: 'sha256' | 'sha512' | 'sha1';
  /** Allowed clock skew in seconds for schemes with a timestamp. Defaults: stripe 300, standard-webhooks 300, hmac 300. */
  toleranceSec?: number;
}

/** Header names are lower-case, as Node delivers them; repeated headers arrive as arrays. */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

export interface VerifyInput {
  headers: IncomingHeaders;
  rawBody: Buffer;
  /** Every currently active secret of the connection; any one may match (rotation). */
  secrets: readonly string[];
  /** Current time in unix seconds (injected so tests control the clock). */
  nowSec: number;
}

export interface Verified {
  /** Event id carried by a header of this scheme (GitHub delivery id, Shopify event id, webhook-id), if any. */
  headerEventId?: string;
  /** The signed timestamp, for schemes that have one. */
  timestampSec?: number;
}

export interface SignInput {
  rawBody: Buffer;
  secret: string;
  nowSec: number;
  /** Event id to place in the scheme's id header, where the scheme has one. */
  eventId: string;
}
