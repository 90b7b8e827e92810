// One way to reach Temporal for the API, the worker and the CLI: the dev server
// started locally, a self-hosted cluster (plain, TLS or mutual TLS), or
// Temporal Cloud (mTLS or API key). Every client and the worker's connection
// take their options from connectionOptions(), so none can reach Temporal in
// a way the others do not.
// Contract: TLS is on when any of TEMPORAL_TLS, a TLS path, a server name or
// an API key is set; a client certificate needs its key (and the reverse); the
// files are read at start, so a wrong path fails there, not at the first call.
import fs from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, type Env } from '../config';

export interface TemporalTls {
  clientCertPair?: { crt: Buffer; key: Buffer };
  serverRootCACertificate?: Buffer;
  /** The name the server's certificate must carry when it differs from the address's host. */
  serverNameOverride?: string;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: TemporalTls | boolean;
  apiKey?: string;
}

export function targetFromEnv(env: Env, devAddress?: string): TemporalTarget {
  const address = env.TEMPORAL_ADDRESS ?? devAddress;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set and no dev server was started');
  if (Boolean(env.TEMPORAL_TLS_CERT_PATH) !== Boolean(env.TEMPORAL_TLS_KEY_PATH))
    throw new ConfigError(
      'invalid configuration:\n  TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH: set both (mutual TLS) or neither',
    );
  const read = (name: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  ${name}: cannot read ${file} (${(err as Error).message})`);
    }
  };
  const certPair =
    env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH
      ? {
          crt: read('TEMPORAL_TLS_CERT_PATH', env.TEMPORAL_TLS_CERT_PATH),
          key: read('TEMPORAL_TLS_KEY_PATH', env.TEMPORAL_TLS_KEY_PATH),
        }
      : undefined;
  const ca = env.TEMPORAL_TLS_CA_PATH ? read('TEMPORAL_TLS_CA_PATH', env.TEMPORAL_TLS_CA_PATH) : undefined;
  const serverName = env.TEMPORAL_TLS_SERVER_NAME;
  const tls =
    certPair || ca || serverName
      ? { clientCertPair: certPair, serverRootCACertificate: ca, serverNameOverride: serverName }
      : env.TEMPORAL_TLS || Boolean(env.TEMPORAL_API_KEY);
  return { address, namespace: env.TEMPORAL_NAMESPACE, tls, apiKey: env.TEMPORAL_API_KEY };
}

/** What every @temporalio/client Connection of syncline is opened with. */
export function connectionOptions(t: TemporalTarget): {
  address: string;
  tls: TemporalTls | true | undefined;
  apiKey: string | undefined;
} {
  return { address: t.address, tls: t.tls || undefined, apiKey: t.apiKey };
}

export function connectWorker(t: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(t));
}
