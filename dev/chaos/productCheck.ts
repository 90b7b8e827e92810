// The product's side of a chaos run: a product endpoint that fails and
// recovers receives the connection's notifications, and, consuming them as
// docs/notifications.md tells a product to, must see every change of the feed
// exactly once, in feed order, past the cursor it stored: nothing skipped,
// nothing repeated, every notification signed (checked with `standardwebhooks`).
import type { Db } from '../../src/db/prisma';
import { RecordsFeed } from '../../src/records/recordsFeed';
import { consume, type ProductEndpoint } from '../support/productEndpoint';

export interface ProductVerdict {
  accepted: number;
  refused: number;
  unverified: number;
  redeliveries: number;
  feedChanges: number;
  /** Feed changes the product never applied. */
  missed: number;
  /** Changes the product applied more than once. */
  repeated: number;
  /** Applied changes out of feed order, or notifications that did not chain from the stored cursor. */
  outOfOrder: number;
  gaps: number;
}

/** Every change of the connection's feed, from the start, as cursors in feed order. */
export async function feedCursors(db: Db, connectionId: string): Promise<string[]> {
  const out: string[] = [];
  const feed = new RecordsFeed(db);
  let cursor: string | undefined;
  for (;;) {
    const page = await feed.changes(connectionId, { cursor, limit: 1000 });
    out.push(...page.changes.map((c) => c.cursor));
    if (!page.hasMore) return out;
    cursor = page.nextCursor;
  }
}

/** Whether the product, consuming what it accepted, has reached the last change of the feed. */
export async function productCaughtUp(db: Db, connectionId: string, product: ProductEndpoint): Promise<boolean> {
  const all = await feedCursors(db, connectionId);
  const applied = consume(product.accepted(connectionId)).applied;
  return applied.at(-1) === all.at(-1);
}

export async function verifyProduct(db: Db, connectionId: string, product: ProductEndpoint): Promise<ProductVerdict> {
  const all = await feedCursors(db, connectionId);
  const mine = product.received.filter((r) => r.body.connectionId === connectionId);
  const consumed = consume(product.accepted(connectionId));
  const applied = new Set(consumed.applied);
  let outOfOrder = 0;
  for (let i = 0; i < consumed.applied.length; i++) if (consumed.applied[i] !== all[i]) outOfOrder++;
  return {
    accepted: mine.filter((r) => r.status < 300).length,
    refused: mine.filter((r) => r.status >= 300).length,
    unverified: mine.filter((r) => !r.verified).length,
    redeliveries: consumed.redeliveries,
    feedChanges: all.length,
    missed: all.filter((c) => !applied.has(c)).length,
    repeated: consumed.applied.length - applied.size,
    outOfOrder,
    gaps: consumed.gaps,
  };
}

export function productFailures(v: ProductVerdict): string[] {
  const named: Array<[keyof ProductVerdict, string]> = [
    ['missed', 'changes the product never saw'],
    ['repeated', 'changes the product saw twice'],
    ['outOfOrder', 'changes the product saw out of feed order'],
    ['gaps', 'notifications that skipped past the product cursor'],
    ['unverified', 'notifications that failed standardwebhooks verification'],
  ];
  return named.filter(([k]) => v[k] > 0).map(([k, label]) => `${v[k]} ${label}`);
}
