// What the product's records API (src/api/productRecords.ts) answers when a request
// cannot be served. The caller is an authenticated product: messages are exposed.
import { EXIT_USAGE, meaning, SynclineError } from './meaning';

/** Missing or wrong product API key. */
export class ProductUnauthorizedError extends SynclineError {
  static override readonly meaning = meaning('ProductUnauthorizedError', {
    http: { status: 401, code: 'unauthorized' },
  });
}

/** No PRODUCT_API_KEYS: the records API does not exist. */
export class RecordsApiDisabledError extends SynclineError {
  static override readonly meaning = meaning('RecordsApiDisabledError', { http: { status: 404, code: 'not_found' } });
}

/** A cursor we did not issue (or a malformed one). */
export class InvalidCursorError extends SynclineError {
  static override readonly meaning = meaning('InvalidCursorError', {
    exitCode: EXIT_USAGE,
    http: { status: 400, code: 'invalid_cursor', expose: true },
  });
}

/** A query parameter out of range or missing (limit, type). */
export class InvalidRecordsQueryError extends SynclineError {
  static override readonly meaning = meaning('InvalidRecordsQueryError', {
    exitCode: EXIT_USAGE,
    http: { status: 400, code: 'invalid_query', expose: true },
  });
}

export class RecordNotFoundError extends SynclineError {
  static override readonly meaning = meaning('RecordNotFoundError', {
    http: { status: 404, code: 'record_not_found', expose: true },
  });
}
