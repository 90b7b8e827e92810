// Every named error syncline reports, and the lists derived from their
// meanings. Adding an error: a class in one of the files here, with its
// meaning, and one entry in ERROR_CLASSES. Bundle-safe (workflows import it).
import {
  ConnectionDisabledError,
  EventRefusedError,
  ForeignDeliveryError,
  MalformedDeliveryError,
  OverloadedError,
  PayloadNotTrustedError,
  PayloadTooLargeError,
  RateLimitedError,
  SignatureError,
  TemporalUnavailableError,
  UnsupportedMediaTypeError,
  WebhooksNotSupportedError,
} from './ingestErrors';
import {
  InvalidConnectionError,
  InvalidReconcileSettingsError,
  UnknownConnectionError,
  UnknownConnectorError,
} from './connectionErrors';
import {
  InputError,
  NotFoundError,
  RefusedError,
  UnavailableError,
  UnknownCommandError,
  UsageError,
} from './cliErrors';
import type { ErrorMeaning, SynclineErrorClass } from './meaning';
import { ProductEndpointError } from './notifyErrors';
import {
  AdminDisabledError,
  AdminUnauthorizedError,
  EventNotFoundError,
  InvalidFilterError,
  InvalidRequestError,
  NoBlockedRunError,
  NoReconcileScheduleError,
  InvalidInvocationError,
  OperatorActionRejectedError,
  ReconcileNotSupportedError,
} from './operatorErrors';
import {
  InvalidCursorError,
  InvalidRecordsQueryError,
  ProductUnauthorizedError,
  RecordNotFoundError,
  RecordsApiDisabledError,
} from './recordsErrors';
import { PartnerPermanentError, PartnerTransientError, StalePartnerReadError } from './partnerErrors';
import {
  ConnectionStoreUnavailableError,
  EventTransitionRefusedError,
  RunTransitionRefusedError,
  StoreUnavailableError,
} from './storeErrors';

export const ERROR_CLASSES: readonly SynclineErrorClass[] = [
  // Order matters only for how the derived lists read in workflow histories: partner failures first.
  PartnerPermanentError,
  ProductEndpointError,
  MalformedDeliveryError,
  UnknownConnectionError,
  InvalidConnectionError,
  ReconcileNotSupportedError,
  InvalidReconcileSettingsError,
  EventTransitionRefusedError,
  RunTransitionRefusedError,
  InvalidInvocationError,
  PayloadNotTrustedError,
  PartnerTransientError,
  StalePartnerReadError,
  SignatureError,
  ForeignDeliveryError,
  UnsupportedMediaTypeError,
  WebhooksNotSupportedError,
  ConnectionDisabledError,
  PayloadTooLargeError,
  TemporalUnavailableError,
  StoreUnavailableError,
  ConnectionStoreUnavailableError,
  UnknownConnectorError,
  EventNotFoundError,
  OperatorActionRejectedError,
  InvalidFilterError,
  InvalidRequestError,
  AdminUnauthorizedError,
  AdminDisabledError,
  NoReconcileScheduleError,
  NoBlockedRunError,
  UsageError,
  UnknownCommandError,
  InputError,
  NotFoundError,
  RefusedError,
  UnavailableError,
  EventRefusedError,
  RateLimitedError,
  OverloadedError,
  ProductUnauthorizedError,
  RecordsApiDisabledError,
  InvalidCursorError,
  InvalidRecordsQueryError,
  RecordNotFoundError,
];

const BY_TYPE: ReadonlyMap<string, ErrorMeaning> = new Map(ERROR_CLASSES.map((c) => [c.meaning.type, c.meaning]));

/** The meaning of an error by its name (as Temporal carries it across processes too); undefined for anything not syncline's. */
export function meaningOf(err: unknown): ErrorMeaning | undefined {
  const name = err instanceof Error ? err.name : undefined;
  return name === undefined ? undefined : BY_TYPE.get(name);
}

/** Failures where asking again cannot help: every activity's retry policy lists them, and activities throw them non-retryable. */
export const NON_RETRYABLE_ERROR_TYPES: string[] = ERROR_CLASSES.filter((c) => !c.meaning.retryable).map(
  (c) => c.meaning.type,
);
