// Plain-text rendering for people (aligned tables, key/value blocks) and the
// JSON rendering for machines. Nothing here knows about any command.

export type Cell = string | number | boolean | bigint | Date | null | undefined;

export function cell(v: Cell): string {
  if (v === null || v === undefined || v === '') return '-';
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** One line per value, newlines flattened, cut at `max` characters with an ellipsis. */
export function truncate(text: string | null | undefined, max: number): string {
  if (!text) return '-';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

export function table(headers: string[], rows: Cell[][]): string {
  if (rows.length === 0) return '(none)';
  const lines = [headers, ...rows.map((r) => r.map(cell))];
  const widths = headers.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines
    .map((l) =>
      l
        .map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function keyValues(pairs: [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`).join('\n');
}

export function indentJson(value: unknown, indent = '  '): string {
  return toJson(value)
    .split('\n')
    .map((l) => indent + l)
    .join('\n');
}

/** BigInt columns (row ids, versions) become strings: JSON numbers cannot hold them safely. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
