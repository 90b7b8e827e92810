// The client's one HTTP call: GET a JSON answer from the records API with the
// product key. A non-2xx answer becomes a SynclineApiError carrying the API's
// stable error code (src/contracts/recordsApi.ts ErrorAnswer). Uses the
// platform fetch (Node >= 18) unless one is handed in.
import type { ErrorAnswer } from '../contracts/recordsApi';

export interface ClientOptions {
  /** The ops listener's base URL, e.g. http://syncline-ops:3001 */
  baseUrl: string;
  /** One of the server's PRODUCT_API_KEYS. */
  apiKey: string;
  fetch?: typeof fetch;
}

export class SynclineApiError extends Error {
  override readonly name = 'SynclineApiError';
  constructor(
    readonly status: number,
    /** The API's error code: unauthorized, unknown_connection, invalid_cursor, invalid_query, record_not_found... */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined>;

export async function getJson<T>(opts: ClientOptions, path: string, query: Query = {}): Promise<T> {
  const url = new URL(path, opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const res = await (opts.fetch ?? fetch)(url, {
    headers: { authorization: `Bearer ${opts.apiKey}`, accept: 'application/json' },
  });
  const text = await res.text();
  if (!res.ok) {
    let body: Partial<ErrorAnswer> = {};
    try {
      body = JSON.parse(text) as ErrorAnswer;
    } catch {
      // not JSON (a proxy's error page): keep the status
    }
    throw new SynclineApiError(res.status, body.error ?? `http_${res.status}`, body.message ?? `HTTP ${res.status}`);
  }
  return JSON.parse(text) as T;
}

export const seg = (s: string) => encodeURIComponent(s);
