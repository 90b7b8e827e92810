// Every connector syncline knows, by name. Adding a partner: one module, one
// `register(...)` line here.
import { githubConnector } from './githubConnector';
import { restConnector } from './rest';
import { shopifyConnector } from './shopifyConnector';
import { stripeConnector } from './stripe';
import type { Connector } from './types';
import { UnknownConnectorError } from '../errors/connectionErrors';

const connectors = new Map<string, Connector<unknown>>();

function register<S>(connector: Connector<S>): void {
  connectors.set(connector.name, connector as unknown as Connector<unknown>);
}

register(restConnector);
register(githubConnector);
register(shopifyConnector);
register(stripeConnector);

export function getConnector(name: string): Connector<unknown> {
  const c = connectors.get(name);
  if (!c) throw new UnknownConnectorError(`unknown connector "${name}"; known: ${connectorNames().join(', ')}`);
  return c;
}

export function connectorNames(): string[] {
  return [...connectors.keys()];
}
