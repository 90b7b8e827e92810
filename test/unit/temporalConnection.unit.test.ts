// How syncline's Temporal connection options come from the environment
// (src/temporal/connection.ts): plain, TLS with the system CAs, a private CA,
// mutual TLS, a server name override, and Temporal Cloud's API key. The real
// handshakes are in test/cluster/tls.cluster.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../src/config';
import { connectionOptions, targetFromEnv } from '../../src/temporal/connection';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-tls-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const CA = file('ca.pem', 'ca-bytes');
const CERT = file('client.pem', 'cert-bytes');
const KEY = file('client.key', 'key-bytes');
const target = (env: Record<string, string>) =>
  targetFromEnv(parseEnv({ NODE_ENV: 'test', TEMPORAL_ADDRESS: 'temporal.internal:7233', ...env }));

describe('Temporal connection options', () => {
  it('is plain gRPC when nothing asks for TLS', () => {
    expect(connectionOptions(target({}))).toEqual({
      address: 'temporal.internal:7233',
      tls: undefined,
      apiKey: undefined,
    });
  });

  it('uses TLS with the system CAs for TEMPORAL_TLS=true', () => {
    expect(connectionOptions(target({ TEMPORAL_TLS: 'true' })).tls).toBe(true);
  });

  it('turns TLS on for an API key (Temporal Cloud) and sends the key', () => {
    const t = target({ TEMPORAL_API_KEY: 'cloud-key', TEMPORAL_NAMESPACE: 'syncline.a1b2c' });
    expect(connectionOptions(t)).toEqual({ address: 'temporal.internal:7233', tls: true, apiKey: 'cloud-key' });
    expect(t.namespace).toBe('syncline.a1b2c');
  });

  it('reads the private CA, the client certificate and key, and the server name', () => {
    const t = target({
      TEMPORAL_TLS_CA_PATH: CA,
      TEMPORAL_TLS_CERT_PATH: CERT,
      TEMPORAL_TLS_KEY_PATH: KEY,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal.example',
    });
    const tls = connectionOptions(t).tls;
    expect(tls).toEqual({
      serverRootCACertificate: Buffer.from('ca-bytes'),
      clientCertPair: { crt: Buffer.from('cert-bytes'), key: Buffer.from('key-bytes') },
      serverNameOverride: 'temporal.internal.example',
    });
  });

  it('turns TLS on for a server name alone', () => {
    expect(connectionOptions(target({ TEMPORAL_TLS_SERVER_NAME: 'x.example' })).tls).toMatchObject({
      serverNameOverride: 'x.example',
    });
  });

  it('refuses a client certificate without its key, and a key without its certificate', () => {
    expect(() => target({ TEMPORAL_TLS_CERT_PATH: CERT })).toThrow(ConfigError);
    expect(() => target({ TEMPORAL_TLS_KEY_PATH: KEY })).toThrow(/set both/);
  });

  it('fails at start, naming the variable, when a TLS file cannot be read', () => {
    expect(() => target({ TEMPORAL_TLS_CA_PATH: path.join(dir, 'missing.pem') })).toThrow(
      /TEMPORAL_TLS_CA_PATH: cannot read/,
    );
  });
});
