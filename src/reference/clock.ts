/**
 * Time for the reference implementation. A node never reads the wall clock directly: it
 * asks a `Clock`, and its timers are checked when something calls `RaftNode.tick()`.
 *
 * - Step mode uses a `ManualClock`: one tick advances it by one unit, so timeouts are
 *   counted in ticks and runs are reproducible.
 * - Cluster mode uses the `SystemClock` (milliseconds) and calls `tick()` from an interval
 *   timer. Timeouts that are short against that interval are how the seed's endless split
 *   vote happens (BUGS.md #8: 5–9 ms timeouts checked on a 10 ms tick fire together).
 */
export interface Clock {
  /** Current time in the clock's unit (ticks for ManualClock, ms for SystemClock). */
  now(): number;
}

export class ManualClock implements Clock {
  private time = 0;
  now(): number {
    return this.time;
  }
  advance(units = 1): void {
    this.time += units;
  }
}

export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }
}

/**
 * A small seeded PRNG (mulberry32): every random choice of a reference node comes from the
 * seed it was given, so a run is reproducible from that one printed number.
 */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max], both included. */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/** Derive a per-node seed from a run seed and a node id, so nodes do not share a sequence. */
export function nodeSeed(seed: number, id: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
