// The rest connector's answers about partner calls, from validated settings:
// what the receiver puts in the workflow input and reconciliation uses.
import { describe, expect, it } from 'vitest';
import { getConnector } from '../../src/connectors/connectorRegistry';
import { DEFAULT_PARTNER_RETRY } from '../../src/contracts/processEventContract';

const rest = getConnector('rest');
const settings = (raw: unknown) => rest.settingsSchema.parse(raw);

describe('rest connector: partner calls', () => {
  it('retries on the default schedule and times a call out after 10 s when the settings say nothing', () => {
    const s = settings({ signature: { scheme: 'stripe' } });
    expect(rest.retrySettings(s)).toEqual(DEFAULT_PARTNER_RETRY);
    expect(rest.httpTimeoutMs(s)).toBe(10_000);
  });

  it('takes the parts of the schedule and the timeout the settings override, and defaults for the rest', () => {
    const s = settings({ retry: { scheduleMs: [100, 200], maximumAttempts: 3 }, fetch: { timeoutMs: 2_500 } });
    expect(rest.retrySettings(s)).toEqual({ ...DEFAULT_PARTNER_RETRY, scheduleMs: [100, 200], maximumAttempts: 3 });
    expect(rest.httpTimeoutMs(s)).toBe(2_500);
  });
});

describe('rest connector: the long tail (issue 14 point 5)', () => {
  it('reads event id, event type and object type from headers, constants or the body, and old path settings as before', () => {
    const s = settings({
      delivery: {
        eventIdPath: 'header:X-Request-Id',
        eventTypePath: 'header:X-Event-Name',
        objectTypePath: 'const:ticket',
        objectIdPath: 'ticket.id',
        objectVersionPath: 'ticket.updated_at',
      },
    });
    const info = rest.readDelivery(
      {
        headers: { 'x-request-id': 'req-7', 'x-event-name': 'ticket.updated' },
        body: { ticket: { id: 42, updated_at: '2026-12-01T00:00:00Z' } },
      },
      s,
    );
    expect(info).toEqual({
      eventId: 'req-7',
      eventType: 'ticket.updated',
      objectType: 'ticket',
      objectId: '42',
      objectVersion: Date.parse('2026-12-01T00:00:00Z'),
    });
    const old = rest.readDelivery(
      {
        headers: {},
        body: { id: 'e1', type: 'order.updated', data: { object: { type: 'order', id: 'o1', version: 3 } } },
      },
      settings({}),
    );
    expect(old).toMatchObject({ eventId: 'e1', eventType: 'order.updated', objectType: 'order', objectId: 'o1' });
  });

  it('refuses a delivery whose header value is missing, naming what is missing', () => {
    const s = settings({ delivery: { eventTypePath: 'header:X-Event-Name' } });
    expect(() =>
      rest.readDelivery({ headers: {}, body: { id: 'e1', data: { object: { type: 'a', id: 'b' } } } }, s),
    ).toThrow('delivery has no event type');
  });

  it('maps a type to its URL segment and reads a versionless answer that is the object itself', async () => {
    const s = settings({
      fetch: {
        urlTemplate: '{baseUrl}/v1/{objectType}/{objectId}',
        typeSegments: { customer: 'customers' },
        versionPath: null,
        dataPath: '',
        headers: {},
      },
    });
    const urls: string[] = [];
    const http = (async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify({ id: 'cus_1', name: 'A' }), { status: 200 });
    }) as unknown as typeof fetch;
    const conn = {
      id: 'c',
      connector: 'rest',
      enabled: true,
      apiBaseUrl: 'http://p',
      signingSecrets: [],
      credentials: {},
      settings: s,
    };
    const state = await rest.createClient(conn, http, { nowUs: () => 1_234 }).fetchObject('customer', 'cus_1');
    expect(urls).toEqual(['http://p/v1/customers/cus_1']);
    expect(state).toEqual({ found: true, version: 1_234, data: { id: 'cus_1', name: 'A' } });
  });
});
