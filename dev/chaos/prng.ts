// Seeded randomness for chaos runs. Contract: the same seed gives the same
// sequence on every machine (mulberry32, 32-bit integer arithmetic only), so a
// failing run replays exactly from its printed seed. `hashUnit` gives a
// decision for a (seed, key, n) triple without shared state, for faults whose
// order of asking depends on timing (the partner API is asked concurrently).

export type Random = () => number;

/** mulberry32: a small, fast PRNG with a 2^32 period; returns floats in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over a string, for deriving sub-seeds and keyed decisions. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A named, independent stream derived from the run's seed (one per concern). */
export const stream = (seed: number, name: string): Random => mulberry32(fnv1a(`${seed}:${name}`));

/** A float in [0, 1) fixed by (seed, key, n): the n-th decision about `key`. */
export const hashUnit = (seed: number, key: string, n: number): number => mulberry32(fnv1a(`${seed}:${key}:${n}`))();

export const chance = (rnd: Random, p: number): boolean => rnd() < p;
export const intBetween = (rnd: Random, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
