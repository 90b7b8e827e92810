// Registers syncline's search attributes on a cluster that does not have them
// yet (self-hosted). The dev server gets them on its command line; Temporal
// Cloud manages them in its console, so a refusal there is only logged.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from '../infra/log';
import { SEARCH_ATTRIBUTE_NAMES } from './searchAttributes';

export async function ensureSearchAttributes(client: Client, namespace: string, log: Logger): Promise<void> {
  try {
    const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_NAMES.filter((n) => !(n in (existing.customAttributes ?? {})));
    if (missing.length === 0) return;
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((n) => [n, keyword])),
    });
    log.info({ event: 'temporal.search_attributes_registered', names: missing }, 'registered search attributes');
  } catch (err) {
    log.warn(
      { event: 'temporal.search_attributes_unregistered', reason: (err as Error).message },
      'could not register search attributes; register them with `temporal operator search-attribute create`',
    );
  }
}
