// Raw HTTP for tests that must send what a well-behaved client never would:
// arbitrary bytes and headers, a chunked body with no length, or a
// Content-Length that does not match the body.
import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

export interface RawRequest {
  /** An array value sends the header once per element (a repeated header). */
  headers: Record<string, string | string[]>;
  /** Bytes written before end(). */
  body: Buffer;
  /** Sent as Content-Length instead of the real length; omitted with `chunked` too. */
  declaredLength?: number;
  /** Transfer-Encoding: chunked, no Content-Length. */
  chunked?: boolean;
  /** Answer as soon as the response arrives, without finishing the request body. */
  leaveOpen?: boolean;
  /** How long the socket may stay silent before the request fails (a guard against a hang, not an assertion). */
  timeoutMs?: number;
}

const ANSWER_TIMEOUT_MS = 10_000;

export function postRaw(url: string, req: RawRequest): Promise<HttpAnswer> {
  const headers: Record<string, string | string[]> = { ...req.headers };
  if (req.chunked) headers['transfer-encoding'] = 'chunked';
  else headers['content-length'] = String(req.declaredLength ?? req.body.length);

  const timeout = req.timeoutMs ?? ANSWER_TIMEOUT_MS;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers, agent: false, timeout }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: tryJson(text) });
        request.destroy();
      });
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeout} ms`)));
    // The server may answer and close before the whole (lying) body is written.
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    request.write(req.body);
    if (!req.leaveOpen) request.end();
  });
}

function tryJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
