// Failures delivering notifications to the product.
import { meaning, SynclineError } from './meaning';

/** The product's endpoint answered non-2xx (a redirect included) or not at all: retried on the notify schedule, then parked. */
export class ProductEndpointError extends SynclineError {
  static override readonly meaning = meaning('ProductEndpointError');
}
