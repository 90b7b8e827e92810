// Human-readable log lines for a terminal. pino writes one JSON object per
// line; when stdout is a terminal (LOG_FORMAT=auto) or LOG_FORMAT=pretty, each
// line is rewritten as
//   19:04:56.123 INFO  api      webhook.accepted  accepted  connectionId=acme status=202
// Anything that is not a JSON object (a partial line, another writer's text)
// passes through unchanged. Machines read JSON: files, pipes and containers
// get it as before.
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[35m'],
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Fields the line already shows in its fixed columns, or that only machines need. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'event']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON line as one readable line (plus an error's stack, indented, when it has one). */
export function formatLogLine(line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    entry = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const paint = (code: string, text: string) => (color ? `${code}${text}${RESET}` : text);
  const [levelName, levelColor] = LEVELS[Number(entry.level)] ?? [String(entry.level ?? '').padEnd(5), ''];
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const name = String(entry.name ?? '').replace(/^syncline-?/, '') || 'syncline';
  const fields = Object.entries(entry)
    .filter(([k]) => !SHOWN.has(k) && k !== 'err' && k !== 'stack')
    .map(([k, v]) => `${paint(DIM, `${k}=`)}${value(v)}`);
  const err = entry.err as { message?: string; stack?: string } | undefined;
  const stack = typeof err?.stack === 'string' ? err.stack : typeof entry.stack === 'string' ? entry.stack : '';
  const parts = [
    paint(DIM, time),
    paint(levelColor, levelName),
    name.padEnd(8),
    entry.event !== undefined ? paint('\x1b[1m', String(entry.event)) : '',
    typeof entry.msg === 'string' ? entry.msg : '',
    ...fields,
  ].filter((p) => p !== '');
  const text = parts.join('  ');
  const indented = stack ? `\n${stack.replace(/^/gm, '    ')}` : '';
  return `${text}${indented}\n`;
}

/** A pino destination that writes readable lines to `out` (a terminal). Synchronous: a console is for people. */
export function prettyDestination(out: NodeJS.WritableStream, color: boolean): DestinationStream {
  let partial = '';
  return {
    write(chunk: string) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line !== '') out.write(formatLogLine(line, color));
    },
  };
}

/** Whether this process's logs should be human-readable: `pretty`, or `auto` on a terminal. */
export function wantsPretty(format: 'auto' | 'json' | 'pretty', isTty: boolean | undefined): boolean {
  return format === 'pretty' || (format === 'auto' && isTty === true);
}
