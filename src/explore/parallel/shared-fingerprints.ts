import { growsAt, slotsLog2For, withOvershoot } from '../fingerprints.ts';

/**
 * The visited set of a parallel search: 64-bit fingerprints in a table every worker reads
 * and writes at once, through a `SharedArrayBuffer`.
 *
 * A slot is two int32 words (the fingerprint's halves, each made nonzero so that 0 means
 * "not written yet"). A worker claims an empty slot with one `Atomics.compareExchange` on
 * the first word and then stores the second. Another worker that meets a slot whose first
 * word equals its own waits until the second word is written (a few nanoseconds) before
 * comparing it, so two workers inserting the same state at once never both see it new, and
 * two with different states sharing a first word both keep theirs. Open addressing with
 * linear probing, as `FingerprintSet`.
 *
 * The table cannot grow while workers write to it: when it passes 70% load, the worker that
 * notices raises a flag in the control block, every worker pauses at its next expansion,
 * the coordinator rehashes into a table twice the size and hands it to each
 * (`coordinator.ts`). Making each half nonzero merges fingerprints that differ only by a
 * zero half with one other: a 2^-31 share of the 64 bits, nothing next to the collision
 * bound the summary reports.
 */

/** The control block: int32 words shared by the coordinator and the workers. */
export const CONTROL = {
  /** 1 while a table growth is asked for or under way. */
  grow: 0,
  /** Workers expanding states right now (they touch the table). */
  running: 1,
  /** Bumped each time a new table is handed out. */
  generation: 2,
  /** Why every worker must stop: 0 go on, else a StopCode. */
  stop: 3,
  /**
   * Fingerprints in the table (workers add their counts in batches). Two cache lines away
   * from the words every worker reads between two expansions, which would otherwise be
   * invalidated in the other cores' caches at each addition.
   */
  count: 32,
  /** The count at which the table must grow. */
  growAt: 5,
  /** Workers paused for a growth. */
  paused: 6,
  size: 48,
} as const;

export const STOP_CODES = ['', 'violation', 'time', 'memory', 'max-states'] as const;

/** How many fingerprints a table of `slots` slots holds before it must grow. */
export function growAtFor(slots: number): number {
  return growsAt(slots);
}

/** log2 of the first table's slots: 2^20 (8 MB) when the run's size is not known, else enough for it (`slotsLog2For`). */
export function firstSlotsLog2(maxStates: number): number {
  return slotsLog2For(maxStates, 20);
}

/** Whether a table that grows at `growAt` may have to grow in a run of at most `maxStates` states. */
export function mayGrow(growAt: number, maxStates: number): boolean {
  return growAt < withOvershoot(maxStates);
}

/** A new empty table of 2^slotsLog2 slots. */
export function newTable(slotsLog2: number): SharedArrayBuffer {
  return new SharedArrayBuffer(2 ** slotsLog2 * 8);
}

export class SharedFingerprintSet {
  private words: Int32Array;
  private mask: number;
  /** Fingerprints this worker added and has not counted in the control block yet. */
  private pending = 0;

  constructor(
    buffer: SharedArrayBuffer,
    private readonly control: Int32Array,
    private readonly onFull: () => void = () => {},
  ) {
    this.words = new Int32Array(buffer);
    this.mask = this.words.length / 2 - 1;
  }

  get bytes(): number {
    return this.words.byteLength;
  }

  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /** Use a grown table (all workers paused while it was made). */
  replace(buffer: SharedArrayBuffer): void {
    this.words = new Int32Array(buffer);
    this.mask = this.words.length / 2 - 1;
  }

  touch(highs: Uint32Array, lows: Uint32Array, count: number): void {
    const mask = this.mask;
    const words = this.words;
    let sum = 0;
    for (let i = 0; i < count; i++) sum += words[2 * slotOf(highs[i] | 0 || 1, lows[i] | 0 || 1, mask)];
    this.touched = sum;
  }
  /** Where `touch` leaves its sum, so the engine cannot drop its loads as unused. */
  touched = 0;

  /** Adds a fingerprint; true when no worker had added it before. */
  addFingerprint(high: number, low: number): boolean {
    const isNew = insertShared(this.words, this.mask, high | 0 || 1, low | 0 || 1);
    if (isNew && ++this.pending >= 64) this.flush();
    return isNew;
  }

  /** Count this worker's insertions in the control block; ask for a growth past 70% load. */
  flush(): void {
    if (this.pending === 0) return;
    const total = Atomics.add(this.control, CONTROL.count, this.pending) + this.pending;
    this.pending = 0;
    if (total >= Atomics.load(this.control, CONTROL.growAt)) {
      if (Atomics.compareExchange(this.control, CONTROL.grow, 0, 1) === 0) this.onFull();
    }
  }
}

function slotOf(a: number, b: number, mask: number): number {
  return (b ^ Math.imul(a, 0x9e3779b1)) & mask;
}

/**
 * The atomic insertion (see the module comment); true when the slot was claimed here.
 *
 * Probing reads the words plainly: a word goes from 0 to its final value once and never
 * changes again, and an aligned 32-bit element of a shared `Int32Array` is read whole
 * (ECMAScript's memory model: such accesses do not tear), so a plain read gives 0 or the
 * final value, as `Atomics.load` would. Only claiming a slot (`compareExchange`) and
 * waiting for a second word still 0 need atomics. V8 compiles a plain read inline and
 * `Atomics.load` as a call: measured, the calls were 1.2% of the workers' time
 * (`Builtins_AtomicsLoad` in a perf profile of case (a), 2 workers).
 */
function insertShared(words: Int32Array, mask: number, a: number, b: number): boolean {
  for (let slot = slotOf(a, b, mask); ; slot = (slot + 1) & mask) {
    const at = 2 * slot;
    let first = words[at];
    if (first === 0) {
      first = Atomics.compareExchange(words, at, 0, a);
      if (first === 0) {
        Atomics.store(words, at + 1, b);
        return true;
      }
    }
    if (first !== a) continue;
    let second = words[at + 1];
    while (second === 0) second = Atomics.load(words, at + 1);
    if (second === b) return false;
  }
}

/**
 * A table twice the size with the same fingerprints (run while every worker is paused), in
 * `into` if given (an empty buffer of that size, `spare-table.ts`).
 */
export function grownTable(
  old: SharedArrayBuffer,
  into: SharedArrayBuffer = new SharedArrayBuffer(old.byteLength * 2),
): SharedArrayBuffer {
  const from = new Int32Array(old);
  const buffer = into;
  const to = new Int32Array(buffer);
  const mask = to.length / 2 - 1;
  for (let i = 0; i < from.length; i += 2) {
    const a = from[i];
    if (a === 0) continue;
    let slot = slotOf(a, from[i + 1], mask);
    while (to[2 * slot] !== 0) slot = (slot + 1) & mask;
    to[2 * slot] = a;
    to[2 * slot + 1] = from[i + 1];
  }
  return buffer;
}
