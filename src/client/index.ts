// syncline/client: the product's typed client of syncline's records API and
// change feed (docs/change-feed.md). Imports nothing of the server at run time.
export { SynclineClient, type PageOptions } from './feed';
export { SynclineApiError, type ClientOptions } from './http';
export type {
  ChangeSource,
  ChangesPage,
  ChangeView,
  RecordAnswer,
  RecordsPage,
  RecordState,
  RecordView,
} from '../contracts/recordsApi';
export * from './notifications';
