// Runs one partner simulator: its object store, fault plan, event factory and HTTP API on a
// loopback port. Everything a test needs to drive the partner comes back from the start call.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createPartnerApi } from './partnerApi';
import { ListLog } from './changes';
import { EventFactory } from './eventFactory';
import { FaultPlan } from './faults';
import { PartnerStore } from './partnerStore';
import type { Clock } from './types';

/** Loopback only: the simulator is a test double and must never be reachable from outside. */
export const SIMULATOR_HOST = '127.0.0.1';

export interface PartnerSimulatorOptions {
  apiKey: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  clock?: Clock;
  /** Fixed event-id prefix for deterministic runs. */
  eventIdPrefix?: string;
}

export interface PartnerSimulator {
  url: string;
  port: number;
  store: PartnerStore;
  faults: FaultPlan;
  events: EventFactory;
  /** List-API request log and controls (slow answers, truncated id listing). */
  lists: ListLog;
  /** Stops accepting, lets in-flight requests finish, closes idle keep-alive sockets. Idempotent. */
  close(): Promise<void>;
}

export async function startPartnerSimulator(opts: PartnerSimulatorOptions): Promise<PartnerSimulator> {
  const store = new PartnerStore(opts.clock);
  const faults = new FaultPlan();
  const events = new EventFactory({ idPrefix: opts.eventIdPrefix });
  const lists = new ListLog();
  const server = createPartnerApi(store, { apiKey: opts.apiKey, faults, lists: { log: lists, faults } }).listen(
    opts.port ?? 0,
    SIMULATOR_HOST,
  );
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeIdleConnections();
    });
    return closing;
  };

  return { url: `http://${SIMULATOR_HOST}:${port}`, port, store, faults, events, lists, close };
}
