/**
 * The visited set as 64-bit fingerprints of state keys, as TLC and stateright keep it.
 *
 * A JavaScript `Set<string>` of state keys costs ~150 bytes a state, keeps every key alive
 * for the garbage collector to trace, and cannot hold more than 2^24 entries. This table
 * keeps 8 bytes a slot in two `Uint32Array`s (outside the JavaScript heap, invisible to the
 * collector), open addressing with linear probing, doubled at 70% load — about 16 bytes a
 * state on average, with no entry limit but memory.
 *
 * The price is the one TLC states on every run: two different states with the same
 * fingerprint are taken for one, and the second one is not explored. With n states the
 * chance of any such collision is at most n²/2^65 (the birthday bound): 3·10^-8 for a
 * million states, 7·10^-5 for 50 million. `collisionBound` reports it; `raftkit check
 * --exact` keeps the keys themselves instead.
 */

/**
 * A 64-bit hash of a string, computed as the string is written: two independent 32-bit
 * lanes (multiply-rotate per pair of characters, with different constants), each finished with
 * MurmurHash3's fmix32 and mixed with the other, so every input bit reaches every output
 * bit of both halves. Writing a key in parts gives the fingerprint of the whole key, so an
 * encoder can hash a state without building its key string.
 */
export class Fingerprint {
  private h1 = 0;
  private h2 = 0;
  private length = 0;
  /** A character written but not yet hashed (characters are hashed in pairs), or -1. */
  private pending = -1;
  /** The halves of the last `finish()`. */
  high = 0;
  low = 0;

  reset(): this {
    this.h1 = 0x9747b28c;
    this.h2 = 0x2d358dcc;
    this.length = 0;
    this.pending = -1;
    return this;
  }

  push(part: string): void {
    const length = part.length;
    if (length === 0) return;
    let h1 = this.h1;
    let h2 = this.h2;
    let i = 0;
    // Two UTF-16 units make one 32-bit word: half the mixing rounds of one per character.
    // A character left over from the previous part pairs with this part's first, so a key
    // written in parts hashes exactly as the whole key.
    if (this.pending >= 0) {
      const w = this.pending | (part.charCodeAt(0) << 16);
      h1 = Math.imul(h1 ^ w, 0xcc9e2d51);
      h1 = (h1 << 15) | (h1 >>> 17);
      h2 = Math.imul(h2 ^ w, 0x1b873593);
      h2 = (h2 << 13) | (h2 >>> 19);
      h2 = Math.imul(h2, 5) + 0xe6546b64;
      i = 1;
    }
    for (; i + 1 < length; i += 2) {
      const w = part.charCodeAt(i) | (part.charCodeAt(i + 1) << 16);
      h1 = Math.imul(h1 ^ w, 0xcc9e2d51);
      h1 = (h1 << 15) | (h1 >>> 17);
      h2 = Math.imul(h2 ^ w, 0x1b873593);
      h2 = (h2 << 13) | (h2 >>> 19);
      h2 = Math.imul(h2, 5) + 0xe6546b64;
    }
    this.pending = i < length ? part.charCodeAt(i) : -1;
    this.h1 = h1;
    this.h2 = h2;
    this.length += length;
  }

  /**
   * Writes one 32-bit word (e.g. half of a part's own fingerprint) as one mixing round. A
   * pending character is flushed first, so words and characters never share a round.
   */
  pushWord(word: number): void {
    this.flushPending();
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ word, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    h2 = Math.imul(h2 ^ word, 0x1b873593);
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = Math.imul(h2, 5) + 0xe6546b64;
    this.h1 = h1;
    this.h2 = h2;
    this.length += 2;
  }

  /**
   * Writes a 64-bit value (a part's own fingerprint, `parallel/` workers) as one mixing
   * round: its high half into one lane, its low half into the other. Half the rounds of two
   * `pushWord`s; the halves of a good 64-bit hash are independent, so the lanes still see
   * independent 32-bit values and the finish mixes them as before.
   */
  pushPair(high: number, low: number): void {
    this.flushPending();
    let h1 = Math.imul(this.h1 ^ high, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    let h2 = Math.imul(this.h2 ^ low, 0x1b873593);
    h2 = (h2 << 13) | (h2 >>> 19);
    this.h1 = h1;
    this.h2 = Math.imul(h2, 5) + 0xe6546b64;
    this.length += 4;
  }

  /** An odd character left over, mixed in a word of its own (the length tells it from a pair). */
  private flushPending(): void {
    if (this.pending < 0) return;
    const h1 = Math.imul(this.h1 ^ this.pending, 0xcc9e2d51);
    const h2 = Math.imul(this.h2 ^ this.pending, 0x1b873593);
    this.h1 = (h1 << 15) | (h1 >>> 17);
    this.h2 = (h2 << 13) | (h2 >>> 19);
    this.pending = -1;
  }

  finish(): this {
    this.flushPending();
    let h1 = this.h1;
    let h2 = this.h2;
    h1 ^= this.length;
    h2 ^= this.length;
    h1 = fmix32(h1);
    h2 = fmix32(h2 ^ h1);
    h1 = fmix32(h1 ^ Math.imul(h2, 0x85ebca6b));
    // (0, 0) marks an empty slot of the set; the one fingerprint equal to it moves aside.
    this.high = h1 >>> 0;
    this.low = h2 >>> 0 || (this.high === 0 ? 1 : 0);
    return this;
  }

  /** The fingerprint of a whole key. */
  of(key: string): this {
    this.reset();
    this.push(key);
    return this.finish();
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

const scratch = new Fingerprint();

/** The fingerprint of `key` as a 16-digit hex string (for tests and debugging). */
export function fingerprintHex(key: string): string {
  const f = scratch.of(key);
  return f.high.toString(16).padStart(8, '0') + f.low.toString(16).padStart(8, '0');
}

/** Upper bound of the probability that some two of `n` distinct states share a fingerprint. */
export function collisionBound(n: number): number {
  return (n * n) / 2 ** 65;
}

/** How many fingerprints a table of `slots` slots holds before it doubles (70% load). */
export function growsAt(slots: number): number {
  return Math.floor(slots * 0.7);
}

/**
 * Fingerprints a run stopped at `maxStates` may still admit: the search notices the bound
 * between two expansions, and parallel workers count their insertions in batches, so a
 * few thousand states past it.
 */
export function withOvershoot(maxStates: number): number {
  return maxStates + maxStates / 16 + 4096;
}

/** The largest table sized up front for `--max-states` (2^26 slots, 512 MB); past it the table grows as usual. */
const MAX_PRESIZED_LOG2 = 26;

/**
 * log2 of a visited table's first size in slots for a run of at most `maxStates` states:
 * `unknown` when the bound is not finite, else big enough that the table never grows (up
 * to 2^26 slots). Each doubling rehashes every fingerprint and maps a table twice the size,
 * each page faulting once on its first write (12 µs of CPU a page on this VM): sized once,
 * an 8,000,000-state run maps 128 MB instead of every table from the first up to 128 MB.
 */
export function slotsLog2For(maxStates: number, unknown: number): number {
  let log2 = unknown;
  if (!Number.isFinite(maxStates)) return log2;
  while (log2 < MAX_PRESIZED_LOG2 && growsAt(2 ** log2) < withOvershoot(maxStates)) log2++;
  return log2;
}

export class FingerprintSet {
  /**
   * Slot i is words 2i (high) and 2i + 1 (low): both halves of a fingerprint share a cache
   * line, so a probe into a table far larger than the caches costs one miss, not two.
   */
  private words: Uint32Array;
  private mask: number;
  private count = 0;
  private growAt: number;

  constructor(initialSlotsLog2 = 16) {
    const slots = 2 ** initialSlotsLog2;
    this.words = new Uint32Array(slots * 2);
    this.mask = slots - 1;
    this.growAt = growsAt(slots);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.words.byteLength;
  }

  /** The table's words, for a checkpoint (`checkpoint.ts`). */
  get table(): Uint32Array {
    return this.words;
  }

  /** A set holding the fingerprints of a checkpointed table (`table`). */
  static fromTable(words: Uint32Array, size: number): FingerprintSet {
    const set = new FingerprintSet();
    set.words = words;
    set.mask = words.length / 2 - 1;
    set.growAt = growsAt(words.length / 2);
    set.count = size;
    return set;
  }

  /** Adds the key's fingerprint; true when it was not in the set before. */
  add(key: string): boolean {
    const f = scratch.of(key);
    return this.addFingerprint(f.high, f.low);
  }

  /** Adds a fingerprint computed by the caller (`Fingerprint.finish`); true when new. */
  addFingerprint(high: number, low: number): boolean {
    if (this.count >= this.growAt) this.grow();
    return this.insert(high, low);
  }

  /**
   * Read the slots where these fingerprints would go, and nothing else. A table far larger
   * than the caches costs a cache miss a probe; loads that do not depend on each other
   * overlap, so touching a batch of slots first and probing them after costs about one
   * miss for the batch instead of one each (JavaScript has no prefetch instruction).
   */
  touch(highs: Uint32Array, lows: Uint32Array, count: number): void {
    const mask = this.mask;
    const words = this.words;
    let sum = 0;
    for (let i = 0; i < count; i++) sum += words[2 * ((lows[i] ^ Math.imul(highs[i], 0x9e3779b1)) & mask)];
    this.touched = sum;
  }
  /** Where `touch` leaves its sum, so the engine cannot drop its loads as unused. */
  touched = 0;

  /** Whether the key's fingerprint is in the set. */
  has(key: string): boolean {
    const { high, low } = scratch.of(key);
    const mask = this.mask;
    const words = this.words;
    for (let slot = (low ^ Math.imul(high, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      const h = words[2 * slot];
      const l = words[2 * slot + 1];
      if (h === high && l === low) return true;
      if (h === 0 && l === 0) return false;
    }
  }

  private insert(high: number, low: number): boolean {
    const mask = this.mask;
    const words = this.words;
    for (let slot = (low ^ Math.imul(high, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      const at = 2 * slot;
      const h = words[at];
      const l = words[at + 1];
      if (h === 0 && l === 0) {
        words[at] = high;
        words[at + 1] = low;
        this.count++;
        return true;
      }
      if (h === high && l === low) return false;
    }
  }

  private grow(): void {
    const old = this.words;
    const slots = old.length; // twice the old slot count
    this.words = new Uint32Array(slots * 2);
    this.mask = slots - 1;
    this.growAt = growsAt(slots);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i], old[i + 1]);
    }
  }
}

/**
 * A growable column of integers in typed arrays (parent ids, action indexes, depths): 4
 * bytes an entry outside the JavaScript heap instead of a boxed array slot.
 *
 * Kept in blocks of 2^16 entries (256 KB) that are never copied nor freed: a column that
 * doubled copied every entry at each doubling and left the old array to be freed, and
 * each doubling's new pages faulted on first write (12 µs of CPU each on this VM, more on
 * the host). A worker thread's freed arrays are not handed back to it by the allocator as
 * the main thread's are, so there the copies cost twice: measured with `perf record -e
 * page-faults`, the columns took 8,000 of a 2-worker run's 88,000 faults (case (a),
 * 2,000,000 states).
 */
export class IntColumn {
  private readonly blocks: Int32Array[] = [];
  private readonly shift: number;
  private readonly mask: number;
  private current = new Int32Array(0);
  length = 0;

  /** Blocks of 2^blockLog2 entries (tests use small ones). */
  constructor(blockLog2 = 16) {
    this.shift = blockLog2;
    this.mask = (1 << blockLog2) - 1;
  }

  push(value: number): void {
    const at = this.length & this.mask;
    if (at === 0) {
      this.current = new Int32Array(this.mask + 1);
      this.blocks.push(this.current);
    }
    this.current[at] = value;
    this.length++;
  }

  get(index: number): number {
    return this.blocks[index >>> this.shift][index & this.mask];
  }

  /** The entries, for a checkpoint. */
  values(): Int32Array {
    const all = new Int32Array(this.length);
    for (let b = 0; b < this.blocks.length; b++) {
      const from = b << this.shift;
      all.set(this.blocks[b].subarray(0, Math.min(this.mask + 1, this.length - from)), from);
    }
    return all;
  }

  /** Append entries (from a checkpoint). */
  pushAll(values: Int32Array): void {
    for (let i = 0; i < values.length; i++) this.push(values[i]);
  }

  get bytes(): number {
    return this.blocks.length * (this.mask + 1) * 4;
  }
}
