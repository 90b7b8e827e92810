import { describe, expect, it } from 'vitest';
import { EventFactory } from '../../dev/simulator/eventFactory';
import { PartnerObjectNotFoundError, PartnerStore } from '../../dev/simulator/partnerStore';
import type { ChangeEntry, JsonObject } from '../../dev/simulator/types';

const START_MS = Date.UTC(2026, 0, 1, 12, 0, 0);

function steppingClock(stepMs = 1000): () => number {
  let now = START_MS - stepMs;
  return () => (now += stepMs);
}

function changeOf(store: PartnerStore, version: number): ChangeEntry {
  const change = store.changeAt(version);
  if (!change) throw new Error(`no change ${version}`);
  return change;
}

describe('PartnerStore', () => {
  it('gives every mutation the next store-wide version, so versions rise per object and globally', () => {
    const store = new PartnerStore(steppingClock());
    const a1 = store.upsert('customer', 'a', { name: 'Ada' });
    const b1 = store.upsert('customer', 'b', { name: 'Bob' });
    const a2 = store.upsert('customer', 'a', { name: 'Ada L.' });
    const a3 = store.delete('customer', 'a');
    expect([a1.version, b1.version, a2.version, a3.version]).toEqual([1, 2, 3, 4]);
  });

  it('stamps each snapshot with the injected clock as an ISO string', () => {
    const store = new PartnerStore(steppingClock());
    store.upsert('customer', 'a', {});
    const second = store.upsert('customer', 'a', {});
    expect(second.updatedAt).toBe('2026-01-01T12:00:01.000Z');
  });

  it('keeps objects of different types with the same id apart', () => {
    const store = new PartnerStore();
    store.upsert('customer', 'x', { kind: 'customer' });
    store.upsert('invoice', 'x', { kind: 'invoice' });
    expect(store.get('customer', 'x')?.data).toEqual({ kind: 'customer' });
    expect(store.get('invoice', 'x')?.data).toEqual({ kind: 'invoice' });
  });

  it('turns a deleted object into a tombstone with a newer version and its last data', () => {
    const store = new PartnerStore();
    store.upsert('customer', 'a', { name: 'Ada' });
    const tombstone = store.delete('customer', 'a');
    expect(tombstone).toMatchObject({ deleted: true, version: 2, data: { name: 'Ada' } });
    expect(store.get('customer', 'a')).toEqual(tombstone);
  });

  it('refuses to delete an object that never existed or is already deleted', () => {
    const store = new PartnerStore();
    expect(() => store.delete('customer', 'ghost')).toThrow(PartnerObjectNotFoundError);
    store.upsert('customer', 'a', {});
    store.delete('customer', 'a');
    expect(() => store.delete('customer', 'a')).toThrow(PartnerObjectNotFoundError);
  });

  it('records created, updated, deleted and re-created actions in the change log', () => {
    const store = new PartnerStore();
    store.upsert('customer', 'a', {});
    store.upsert('customer', 'a', {});
    store.delete('customer', 'a');
    store.upsert('customer', 'a', {});
    const actions = store.changesSince(0, 10).changes.map((c) => c.action);
    expect(actions).toEqual(['created', 'updated', 'deleted', 'created']);
  });

  it('pages the change log by the last seq seen', () => {
    const store = new PartnerStore();
    for (const id of ['a', 'b', 'c', 'd', 'e']) store.upsert('customer', id, {});
    const first = store.changesSince(0, 2);
    const second = store.changesSince(first.nextSeq, 2);
    const last = store.changesSince(second.nextSeq, 2);
    expect(first).toMatchObject({ nextSeq: 2, hasMore: true });
    expect(second.changes.map((c) => c.object.id)).toEqual(['c', 'd']);
    expect(last).toMatchObject({ nextSeq: 5, hasMore: false });
    expect(store.changesSince(5, 2)).toEqual({ changes: [], nextSeq: 5, hasMore: false });
  });

  it('rejects a negative seq or a limit below one', () => {
    const store = new PartnerStore();
    expect(() => store.changesSince(-1, 1)).toThrow(RangeError);
    expect(() => store.changesSince(0, 0)).toThrow(RangeError);
  });

  it('is not affected when the caller later mutates the data it passed in', () => {
    const store = new PartnerStore();
    const data: JsonObject = { tags: ['a'] };
    store.upsert('customer', 'a', data);
    data.tags = ['changed'];
    expect(store.get('customer', 'a')?.data).toEqual({ tags: ['a'] });
  });

  it('lists the latest snapshot of every object, tombstones included, in version order', () => {
    const store = new PartnerStore();
    store.upsert('customer', 'a', {});
    store.upsert('customer', 'b', {});
    store.delete('customer', 'a');
    expect(store.all().map((o) => [o.id, o.version, o.deleted])).toEqual([
      ['b', 2, false],
      ['a', 3, true],
    ]);
  });

  it('counts fetches per object and in total', () => {
    const store = new PartnerStore();
    store.recordFetch('customer', 'a');
    store.recordFetch('customer', 'a');
    store.recordFetch('customer', 'b');
    expect([store.fetchCount('customer', 'a'), store.fetchCount('customer', 'c'), store.totalFetches]).toEqual([
      2, 0, 3,
    ]);
  });
});

describe('EventFactory', () => {
  it('builds a partner event carrying the object, its version and the change time in unix seconds', () => {
    const store = new PartnerStore(steppingClock());
    const snapshot = store.upsert('customer', 'cus_1', { name: 'Ada', plan: 'pro' });
    const event = new EventFactory({ idPrefix: 'test' }).fromChange(changeOf(store, snapshot.version));
    expect(event).toEqual({
      id: 'evt_test_1',
      type: 'customer.created',
      created: START_MS / 1000,
      data: { object: { type: 'customer', id: 'cus_1', version: 1, deleted: false, name: 'Ada', plan: 'pro' } },
    });
  });

  it('names update and delete events after the action and marks tombstones deleted', () => {
    const store = new PartnerStore();
    store.upsert('invoice', 'in_1', {});
    store.upsert('invoice', 'in_1', {});
    store.delete('invoice', 'in_1');
    const events = new EventFactory();
    const [, updated, deleted] = store.changesSince(0, 3).changes.map((c) => events.fromChange(c));
    expect(updated?.type).toBe('invoice.updated');
    expect(deleted).toMatchObject({ type: 'invoice.deleted', data: { object: { deleted: true, version: 3 } } });
  });

  it('gives every event a new id, even for the same change', () => {
    const store = new PartnerStore();
    const change = changeOf(store, store.upsert('customer', 'a', {}).version);
    const events = new EventFactory({ idPrefix: 'p' });
    expect([events.fromChange(change).id, events.fromChange(change).id]).toEqual(['evt_p_1', 'evt_p_2']);
  });

  it('does not let ids collide across factories with default prefixes', () => {
    const store = new PartnerStore();
    const change = changeOf(store, store.upsert('customer', 'a', {}).version);
    expect(new EventFactory().fromChange(change).id).not.toBe(new EventFactory().fromChange(change).id);
  });

  it('keeps identity fields authoritative when the data has fields of the same name', () => {
    const store = new PartnerStore();
    const snapshot = store.upsert('customer', 'a', { id: 'spoofed', version: 99, type: 'x', deleted: true });
    const event = new EventFactory().fromChange(changeOf(store, snapshot.version));
    expect(event.data.object).toEqual({ type: 'customer', id: 'a', version: 1, deleted: false });
  });
});
