// One way to reach Temporal for the API, the worker and the CLI: the dev server
// started locally, a self-hosted cluster, or Temporal Cloud (mTLS or API key).
import fs from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import type { Env } from '../config';

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer } | boolean;
  apiKey?: string;
}

export function targetFromEnv(env: Env, devAddress?: string): TemporalTarget {
  const address = env.TEMPORAL_ADDRESS ?? devAddress;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set and no dev server was started');
  const certPair =
    env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH
      ? { crt: fs.readFileSync(env.TEMPORAL_TLS_CERT_PATH), key: fs.readFileSync(env.TEMPORAL_TLS_KEY_PATH) }
      : undefined;
  const ca = env.TEMPORAL_TLS_CA_PATH ? fs.readFileSync(env.TEMPORAL_TLS_CA_PATH) : undefined;
  const tls =
    certPair || ca
      ? { clientCertPair: certPair, serverRootCACertificate: ca }
      : env.TEMPORAL_TLS || Boolean(env.TEMPORAL_API_KEY);
  return { address, namespace: env.TEMPORAL_NAMESPACE, tls, apiKey: env.TEMPORAL_API_KEY };
}

export function connectWorker(t: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ address: t.address, tls: t.tls || undefined, apiKey: t.apiKey });
}
