// The connection cache: least recently used first out, bounded by an estimate
// of the bytes it holds as well as by entries. Misses are cached too (a partner
// retrying against a deleted connection must not reach PostgreSQL each time),
// so the byte bound is what keeps a flood of unknown ids from growing the heap;
// ids that fail the connection-id format never get here (repository.ts).
import type { ResolvedConnection } from '../connectors/types';

export interface CacheEntry {
  value: ResolvedConnection | null;
  expiresAt: number;
}

/** Map bookkeeping, the expiry and the key's UTF-16 copy; a resolved connection adds its JSON size. */
const ENTRY_OVERHEAD_BYTES = 128;
export const CONNECTION_CACHE_MAX_BYTES = 32 * 1024 * 1024;
export const CONNECTION_CACHE_MAX_ENTRIES = 50_000;

export function entryBytes(id: string, value: ResolvedConnection | null): number {
  return ENTRY_OVERHEAD_BYTES + 2 * id.length + (value ? 2 * JSON.stringify(value).length : 0);
}

export class ConnectionCache {
  private readonly entries = new Map<string, CacheEntry & { bytes: number }>();
  private total = 0;

  constructor(
    private readonly maxBytes = CONNECTION_CACHE_MAX_BYTES,
    private readonly maxEntries = CONNECTION_CACHE_MAX_ENTRIES,
  ) {}

  /** The live entry for `id` (marked most recently used), or undefined. */
  get(id: string, nowMs: number): CacheEntry | undefined {
    const hit = this.entries.get(id);
    if (!hit) return undefined;
    this.entries.delete(id);
    if (hit.expiresAt <= nowMs) {
      this.total -= hit.bytes;
      return undefined;
    }
    this.entries.set(id, hit);
    return hit;
  }

  set(id: string, entry: CacheEntry): void {
    this.delete(id);
    const bytes = entryBytes(id, entry.value);
    if (bytes > this.maxBytes) return;
    this.entries.set(id, { ...entry, bytes });
    this.total += bytes;
    for (const [oldest, e] of this.entries) {
      if (this.total <= this.maxBytes && this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
      this.total -= e.bytes;
    }
  }

  delete(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.total -= e.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }
}
