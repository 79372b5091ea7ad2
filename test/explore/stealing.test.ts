import { describe, expect, it } from 'vitest';
import {
  answer,
  MIN_STEAL,
  NOTHING,
  newBoard,
  resetBoard,
  SENT,
  StealBoard,
  WAITING,
} from '../../src/explore/parallel/stealing.ts';

/**
 * The steal board of the parallel breadth-first search, played by hand on one thread: a
 * thief picks the worker with the most states of the level left, one thief at a time per
 * victim, and a victim that closed (its level is over) is never asked again, so no thief
 * waits for an answer that cannot come. The search it serves stays level by level, so its
 * counterexamples stay shortest (Reference: §5.2, checked in parallel.test.ts).
 */
describe('steal board', () => {
  const board = () => {
    const buffer = newBoard(3);
    const words = new Int32Array(buffer);
    resetBoard(words, [0, 10 * MIN_STEAL, 3 * MIN_STEAL]);
    return { words, w: [0, 1, 2].map((i) => new StealBoard(buffer, i, 3)) };
  };

  it('a thief asks the worker with the most left; a second thief cannot ask the same victim until it answers', () => {
    const { words, w } = board();
    expect(w[0].victim()).toBe(1);
    expect(w[0].ask(1)).toBe(true);
    expect(w[1].thief()).toBe(0);
    expect(w[2].ask(1)).toBe(false);
    w[1].reopen();
    answer(words, 0, SENT);
    expect(w[0].awaitAnswer(0)).toBe(SENT);
    expect(w[2].ask(1)).toBe(true);
  });

  it('a victim that closes answers its pending thief and is not asked again', () => {
    const { w } = board();
    expect(w[0].ask(2)).toBe(true);
    expect(w[2].close()).toBe(0);
    expect(w[1].ask(2)).toBe(false);
    expect(w[1].victim()).toBe(-1);
    expect(w[0].awaitAnswer(0)).toBe(WAITING);
  });

  it('no victim with fewer than MIN_STEAL states left', () => {
    const { w } = board();
    w[1].publishLeft(MIN_STEAL - 1);
    w[2].publishLeft(MIN_STEAL - 1);
    expect(w[0].victim()).toBe(-1);
    w[2].publishLeft(MIN_STEAL);
    expect(w[0].victim()).toBe(2);
    expect(NOTHING).not.toBe(SENT);
  });
});
