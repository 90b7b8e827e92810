// Public API of the partner simulator. main.ts is deliberately not re-exported: importing it starts a server.

export { createPartnerApi, type PartnerApiOptions } from './partnerApi';
export { ListLog, type ListControls, type ListRequest } from './changes';
export { EventFactory, type EventFactoryOptions, type PartnerEvent, type PartnerEventObject } from './eventFactory';
export { FaultPlan, type FetchFault, type FetchFaults, type ForcedResponse } from './faults';
export {
  DEFAULT_SEND_TIMEOUT_MS,
  WebhookSendError,
  WebhookSender,
  type Delivery,
  type SendResult,
  type WebhookSenderOptions,
} from './sender';
export { SIMULATOR_HOST, startPartnerSimulator, type PartnerSimulator, type PartnerSimulatorOptions } from './server';
export { PartnerObjectNotFoundError, PartnerStore } from './partnerStore';
export type {
  ChangeAction,
  ChangeEntry,
  ChangePage,
  Clock,
  JsonObject,
  JsonValue,
  ObjectRef,
  ObjectSnapshot,
} from './types';
