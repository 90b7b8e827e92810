// Versions for partners that have none (Stripe objects, many long-tail APIs).
//
// Rule: the version of a versionless answer is the time, in microseconds since
// the epoch, at which the FETCH STARTED: read from the clock before the request
// is sent, never when the answer arrives. The version-guarded upsert
// (src/store/syncRecords.ts) then keeps the state of the fetch that started
// last, whichever finishes first, and an answer whose content equals our copy
// only moves the version (a fence): no data write, no change counted.
//
// Why the start: every change at the partner is followed by an event (or a
// reconciliation listing) whose fetch starts after the change, so the fetch
// that started last began after the last change and (assuming the partner's
// reads see every write that completed before the read began) holds the
// latest state. An answer stamped at arrival would let a slow fetch that began
// before the change win over a fast one that began after it.
//
// Clock assumption (what this does NOT need and what it does):
//  - Within one process the clock below never goes backwards (it is clamped to
//    be strictly increasing), so two fetches started by one worker are ordered.
//  - Across workers it needs their wall clocks to agree within a bound e (NTP:
//    a few ms). If a stale fetch starts on a worker whose clock is ahead by up
//    to e, it can outrank a fresh fetch that started less than e later on
//    another worker; the copy is then stale until the object's next change or
//    the next reconciliation run (which fetches later still). Step changes of a
//    machine's clock backwards by more than a fetch's latency break ordering the
//    same way, for objects fetched around that moment, and heal the same way.
//  - One worker clock per object is not required.

/** Where fetch start times come from; tests hand in a controlled one. */
export interface PartnerClock {
  /** Microseconds since the epoch; strictly increasing within one clock. */
  nowUs(): number;
}

/** The process's clock: Date.now() refined with hrtime, clamped to increase by at least 1 µs per call. */
export function createSystemPartnerClock(): PartnerClock {
  const originUs = Date.now() * 1000;
  const originHr = process.hrtime.bigint();
  let lastUs = 0;
  return {
    nowUs() {
      const wall = Date.now() * 1000;
      const mono = originUs + Number((process.hrtime.bigint() - originHr) / 1000n);
      // Follow the wall clock when it moved ahead (NTP corrections), never step back below what was handed out.
      const now = Math.max(wall, Math.min(mono, wall + 1000), lastUs + 1);
      lastUs = now;
      return now;
    },
  };
}

export const systemPartnerClock: PartnerClock = createSystemPartnerClock();
