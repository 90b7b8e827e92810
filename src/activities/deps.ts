// What activities are built from. Every dependency comes in here and every one
// is required, so no feature switches itself off because a dependency was left
// out; tests hand in real ones or no-op implementations, never module mocks.
import type { Client } from '@temporalio/client';
import type { LinkConfig } from '../alerts/links';
import type { Alerter } from '../alerts/types';
import type { ConnectionRepository } from '../connections/repository';
import type { PartnerClock } from '../connectors/observedVersion';
import type { SecretBox } from '../crypto/secretBox';
import type { Db } from '../db/prisma';
import type { Metrics } from '../metrics/metricsRegistry';
import type { NotifyDeps } from '../notifications/notifyConfig';

export interface ActivityDeps {
  db: Db;
  connections: ConnectionRepository;
  /** Checks the receiver's seal on workflow input (src/crypto/inputSeal.ts). */
  box: SecretBox;
  http: typeof fetch;
  /** Stamps versionless partner answers with their fetch's start (src/connectors/observedVersion.ts); tests control it. */
  partnerClock: PartnerClock;
  /** Where alerts go (parked events, failing reconciliation). */
  alerter: Alerter;
  /** For signalling other workflows (superseded parked events). */
  temporal: Client;
  /** For links to the Temporal Web UI in alerts (no uiUrl: no links). */
  links: LinkConfig;
  /** Event, retry and partner-error counters. */
  metrics: Metrics;
  /** Finished event rows older than this are deleted by the retention run; 0 = kept forever. */
  eventRetentionDays: number;
  /** Product notifications: the global endpoint and secret, batch size and answer timeout. */
  notify: NotifyDeps;
}
