// The partner's script for a chaos run, fixed by the seed: which objects change
// and how (create, update, delete), and what happens to each change's webhook
// (dropped, duplicated, held back, overtaken, shadowed by a forged or a
// stale-signed delivery, part of an unpaced burst). Timing-independent: the
// plan for change i depends only on (seed, i), never on how the run went.
import type { JsonObject } from '../simulator/types';
import type { DeliveryFaults } from './chaosFaults';
import { type Random, chance, intBetween, stream } from './prng';

export const OBJECT_TYPES = ['contact', 'deal'] as const;

export interface Mutation {
  kind: 'upsert' | 'delete';
  type: string;
  id: string;
  data: JsonObject;
}

export interface ChangePlan {
  index: number;
  mutation: Mutation;
  /** Empty when the partner drops the webhook; else the hold-back of each copy, in ms. */
  copyDelaysMs: number[];
  forged: boolean;
  stale: boolean;
  /** False inside a burst: the runner sends it without waiting for the pace. */
  paced: boolean;
}

export class DeliveryPlanner {
  private readonly mutations: Random;
  private readonly deliveries: Random;
  private readonly live = new Set<string>();
  private readonly objectCount: number;
  private burstLeft = 0;
  private issued = 0;

  constructor(
    readonly seed: number,
    readonly faults: DeliveryFaults,
    totalChanges: number,
  ) {
    this.mutations = stream(seed, 'mutations');
    this.deliveries = stream(seed, 'deliveries');
    // About four versions per object: enough for reordering and stale overwrites to matter.
    this.objectCount = Math.max(10, Math.ceil(totalChanges / 4));
  }

  next(): ChangePlan {
    const index = this.issued++;
    const mutation = this.nextMutation(index);
    const f = this.faults;
    const r = this.deliveries;
    let paced = true;
    if (this.burstLeft > 0) {
      this.burstLeft -= 1;
      paced = false;
    } else if (chance(r, f.burstRate)) {
      this.burstLeft = f.burstSize - 1;
      paced = false;
    }
    const dropped = chance(r, f.dropRate);
    const copies = dropped ? 0 : 1 + (chance(r, f.duplicateRate) ? intBetween(r, 1, 2) : 0);
    const copyDelaysMs = Array.from({ length: copies }, () => {
      if (chance(r, f.delayRate)) return intBetween(r, f.reorderWindowMs, f.maxDelayMs);
      return chance(r, f.reorderRate) ? intBetween(r, 0, f.reorderWindowMs) : 0;
    });
    return { index, mutation, copyDelaysMs, forged: chance(r, f.forgedRate), stale: chance(r, f.staleRate), paced };
  }

  private nextMutation(index: number): Mutation {
    const r = this.mutations;
    const type = OBJECT_TYPES[intBetween(r, 0, OBJECT_TYPES.length - 1)]!;
    const id = `${type.slice(0, 1)}-${intBetween(r, 0, Math.ceil(this.objectCount / OBJECT_TYPES.length) - 1)}`;
    const key = `${type}/${id}`;
    const data: JsonObject = {
      name: `${type} ${id}`,
      n: index,
      stage: intBetween(r, 0, 9),
      amount: intBetween(r, 1, 10_000),
    };
    if (this.live.has(key) && chance(r, 0.15)) {
      this.live.delete(key);
      return { kind: 'delete', type, id, data };
    }
    this.live.add(key);
    return { kind: 'upsert', type, id, data };
  }
}
