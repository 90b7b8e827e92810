// Links and commands that alerts, the ops CLI and the admin API hand to humans.

export interface LinkConfig {
  /** Temporal Web UI base, e.g. http://127.0.0.1:8233 */
  uiUrl?: string;
  namespace: string;
}

export function workflowLink(cfg: LinkConfig, workflowId: string): string | undefined {
  if (!cfg.uiUrl) return undefined;
  return `${cfg.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(cfg.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function replayCommand(connectionId: string, eventId: string): string {
  return `npx syncline events replay ${shellQuote(connectionId)} ${shellQuote(eventId)}`;
}

export function resumeNotificationsCommand(connectionId: string): string {
  return `npx syncline notifications resume ${shellQuote(connectionId)}`;
}
