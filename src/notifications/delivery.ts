// One POST of a signed notification. A 2xx is the only success; anything else
// (a redirect included: it is never followed, see endpoint.ts), a timeout or a
// network error throws ProductEndpointError, which Temporal retries on the
// notify schedule. The error text carries the status and at most a short,
// single-line prefix of the answer, never our body or headers.
import { ProductEndpointError } from '../errors/notifyErrors';
import type { ProductEndpoint } from './endpoint';
import type { NotificationBody } from '../contracts/notificationsApi';
import { notificationId, signedHeaders } from './message';

const ANSWER_EXCERPT_CHARS = 200;

export async function postNotification(
  http: typeof fetch,
  endpoint: ProductEndpoint,
  body: NotificationBody,
  opts: { timeoutMs: number; nowSec: number },
): Promise<void> {
  const rawBody = Buffer.from(JSON.stringify(body));
  const headers = signedHeaders(rawBody, notificationId(body), endpoint.secret, opts.nowSec);
  let res: Response;
  try {
    res = await http(endpoint.url, {
      method: 'POST',
      headers,
      body: rawBody,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    throw new ProductEndpointError(`product endpoint did not answer: ${(err as Error).message}`);
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel();
    return;
  }
  const answer = (await res.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, ANSWER_EXCERPT_CHARS);
  throw new ProductEndpointError(`product endpoint answered ${res.status}${answer ? `: ${answer}` : ''}`);
}
