// Bulk-action filters become Temporal visibility queries over the search
// attributes processEvent keeps (see src/temporal/searchAttributes.ts). Values
// are checked against a conservative alphabet rather than escaped, so a filter
// can never change the query's shape.
import { SA_CONNECTION, SA_CONNECTOR, SA_EVENT_TYPE, statusQuery } from '../temporal/searchAttributes';
import { InvalidFilterError } from '../errors/operatorErrors';

export interface EventFilter {
  connectionId?: string;
  connector?: string;
  eventType?: string;
  /** Events whose workflow started at or after this instant. */
  since?: Date;
  /** Events whose workflow started before this instant. */
  until?: Date;
  /** Default "parked": bulk actions are for parked events. */
  status?: string;
}

const SAFE = /^[A-Za-z0-9_.:@/-]{1,200}$/;

function value(name: string, v: string): string {
  if (!SAFE.test(v)) throw new InvalidFilterError(`${name} has characters a filter does not accept`);
  return `"${v}"`;
}

export function visibilityQuery(f: EventFilter): string {
  const status = f.status ?? 'parked';
  value('status', status);
  const parts = [`WorkflowType = "processEvent"`, statusQuery(status)];
  if (f.connectionId) parts.push(`${SA_CONNECTION.name} = ${value('connection', f.connectionId)}`);
  if (f.connector) parts.push(`${SA_CONNECTOR.name} = ${value('connector', f.connector)}`);
  if (f.eventType) parts.push(`${SA_EVENT_TYPE.name} = ${value('event type', f.eventType)}`);
  for (const [k, d, op] of [
    ['since', f.since, '>='],
    ['until', f.until, '<'],
  ] as const) {
    if (d === undefined) continue;
    if (Number.isNaN(d.getTime())) throw new InvalidFilterError(`${k} is not a valid date`);
    parts.push(`StartTime ${op} "${d.toISOString()}"`);
  }
  return parts.join(' AND ');
}
