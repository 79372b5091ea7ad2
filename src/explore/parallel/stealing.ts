/**
 * Work stealing within a level of the parallel breadth-first search: shared int32 words,
 * three per worker (each worker's on a cache line of its own), through which a worker that
 * ran out of states of the level under way asks another for half of what it has left.
 *
 * Evening out the shares by count between levels left workers idle at every level's end
 * (states differ in cost, and on a shared machine the threads get different shares of the
 * cores) while the coordinator moved states with every worker stopped. Here the level ends
 * for a worker only when no other has `MIN_STEAL` states of it left.
 *
 * Per worker w:
 * - `request`: `OPEN` (0), `CLOSED` (-1: w has nothing to give, or the level is over for
 *   it), or t + 1 while thief t waits for w's answer. A thief claims it with one
 *   `compareExchange` from `OPEN`, so a victim has at most one thief at a time and never
 *   one after it closed.
 * - `answer`: `WAITING` while w waits as a thief; `SENT` once the states it stole are on
 *   its steal port; `NOTHING` when the victim had none left to give.
 * - `left`: how many states of the level w has left, published now and then: thieves pick
 *   the victim with the most.
 * The coordinator sets every word back (`resetBoard`, with each worker's share as its
 * `left`) before it starts a level, when no worker is in one.
 */

export const MIN_STEAL = 64;

const REQUEST = 0;
const ANSWER = 1;
const LEFT = 2;
/** A cache line (64 bytes) per worker: one worker's writes do not evict another's words. */
const WORDS = 16;

const OPEN = 0;
const CLOSED = -1;
export const WAITING = 0;
export const SENT = 1;
export const NOTHING = 2;

export function newBoard(workers: number): SharedArrayBuffer {
  return new SharedArrayBuffer(workers * WORDS * 4);
}

/** Every worker open, none waiting, with `left[w]` states of the level (between levels only). */
export function resetBoard(board: Int32Array, left: readonly number[]): void {
  board.fill(0);
  for (let w = 0; w < left.length; w++) board[w * WORDS + LEFT] = left[w];
}

/** A victim's answer: the thief's `answer` word, then a wake-up. */
export function answer(board: Int32Array, thief: number, value: number): void {
  Atomics.store(board, thief * WORDS + ANSWER, value);
  Atomics.notify(board, thief * WORDS + ANSWER);
}

/** One worker's view of the board. */
export class StealBoard {
  readonly words: Int32Array;

  constructor(
    buffer: SharedArrayBuffer,
    private readonly self: number,
    private readonly workers: number,
  ) {
    this.words = new Int32Array(buffer);
  }

  publishLeft(left: number): void {
    Atomics.store(this.words, this.self * WORDS + LEFT, left);
  }

  /** The thief waiting for this worker's answer, or -1. */
  thief(): number {
    const request = Atomics.load(this.words, this.self * WORDS + REQUEST);
    return request > 0 ? request - 1 : -1;
  }

  /** Let the next thief in (after answering one). */
  reopen(): void {
    Atomics.store(this.words, this.self * WORDS + REQUEST, OPEN);
  }

  /** Refuse thieves from now on; returns a thief that asked before, still to be answered, or -1. */
  close(): number {
    this.publishLeft(0);
    const at = this.self * WORDS + REQUEST;
    const before = Atomics.compareExchange(this.words, at, OPEN, CLOSED);
    if (before <= 0) return -1;
    Atomics.store(this.words, at, CLOSED);
    return before - 1;
  }

  /** The open worker with the most states left, at least `MIN_STEAL`, or -1. */
  victim(): number {
    let best = -1;
    let most = MIN_STEAL - 1;
    for (let w = 0; w < this.workers; w++) {
      if (w === this.self || Atomics.load(this.words, w * WORDS + REQUEST) !== OPEN) continue;
      const left = Atomics.load(this.words, w * WORDS + LEFT);
      if (left > most) {
        best = w;
        most = left;
      }
    }
    return best;
  }

  /** Ask `victim` for states; false when another thief was first or it closed. */
  ask(victim: number): boolean {
    Atomics.store(this.words, this.self * WORDS + ANSWER, WAITING);
    const at = victim * WORDS + REQUEST;
    return Atomics.compareExchange(this.words, at, OPEN, this.self + 1) === OPEN;
  }

  /** The answer so far (`WAITING`, `SENT`, `NOTHING`), after waiting at most `ms`. */
  awaitAnswer(ms: number): number {
    const at = this.self * WORDS + ANSWER;
    Atomics.wait(this.words, at, WAITING, ms);
    return Atomics.load(this.words, at);
  }
}
