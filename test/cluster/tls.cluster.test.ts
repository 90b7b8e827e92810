// Real TLS handshakes against a real Temporal frontend: the cluster's frontend
// (test/support/clusterSetup.ts) serves mutual TLS with a certificate made for
// this run. syncline's own connection options (src/temporal/connection.ts, the
// same for the API, the CLI and the worker) get through; a plain connection, a
// client without a certificate, a certificate from another CA, and a client
// expecting another server name are refused.
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { parseEnv } from '../../src/config';
import { connectionOptions, targetFromEnv } from '../../src/temporal/connection';

const address = () => inject('temporalAddress');

function syncline(extra: Record<string, string> = {}) {
  return targetFromEnv(parseEnv({ NODE_ENV: 'test', TEMPORAL_ADDRESS: address(), ...inject('temporalEnv'), ...extra }));
}

async function refused(opts: Parameters<typeof Connection.connect>[0]): Promise<string> {
  try {
    const conn = await Connection.connect({ ...opts, connectTimeout: 5_000 });
    try {
      await conn.workflowService.getSystemInfo({});
    } finally {
      await conn.close();
    }
  } catch (err) {
    return String((err as Error).message);
  }
  throw new Error('the frontend answered a client it should have refused');
}

describe('mutual TLS to the cluster frontend', () => {
  it('lets syncline in with its client certificate, the CA and the server name, as client and as worker', async () => {
    const target = syncline();
    const conn = await Connection.connect(connectionOptions(target));
    try {
      expect((await conn.workflowService.getSystemInfo({})).serverVersion).toBe('1.29.1');
    } finally {
      await conn.close();
    }
    const worker = await NativeConnection.connect(connectionOptions(target));
    await worker.close();
  });

  it('refuses a plain connection', async () => {
    expect(await refused({ address: address() })).toBeTruthy();
  });

  it('refuses TLS without a client certificate', async () => {
    const pki = inject('testPki');
    const target = syncline({ TEMPORAL_TLS_CERT_PATH: '', TEMPORAL_TLS_KEY_PATH: '' });
    expect(target.tls).toMatchObject({ clientCertPair: undefined, serverNameOverride: 'localhost' });
    expect(await refused(connectionOptions(target))).toBeTruthy();
    expect(pki.caFile).toBeTruthy();
  });

  it('refuses a client certificate signed by another CA', async () => {
    const pki = inject('testPki');
    const target = syncline({
      TEMPORAL_TLS_CERT_PATH: pki.strangerCertFile,
      TEMPORAL_TLS_KEY_PATH: pki.strangerKeyFile,
    });
    expect(await refused(connectionOptions(target))).toBeTruthy();
  });

  it('refuses to talk to a server whose certificate does not carry the expected name', async () => {
    const target = syncline({ TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com' });
    expect(await refused(connectionOptions(target))).toBeTruthy();
  });

  it('refuses a server certificate from a CA it was not told to trust', async () => {
    const pki = inject('testPki');
    const target = syncline({ TEMPORAL_TLS_CA_PATH: pki.strangerCaFile });
    expect(await refused(connectionOptions(target))).toBeTruthy();
  });
});
