import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyQueue } from '../../src/explore/key-queue.ts';

/** The breadth-first frontier outside the heap: a FIFO of (key, id) in byte chunks. */
describe('KeyQueue', () => {
  it('gives back every key with its id, first in first out, across chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constant('shift'),
            fc.tuple(
              // ASCII keys (read back as Latin-1) and any others (UTF-8): é, ü, 値, …
              fc.oneof(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40, unit: 'binary' })),
              fc.integer(),
            ),
          ),
          {
            maxLength: 300,
          },
        ),
        (operations) => {
          const queue = new KeyQueue(64); // tiny chunks: most keys start a new one
          const reference: [string, number][] = [];
          for (const operation of operations) {
            if (operation === 'shift') {
              const expected = reference.shift();
              const key = queue.shift();
              if (expected === undefined) expect(key).toBeUndefined();
              else expect([key, queue.shiftedId]).toEqual(expected);
            } else {
              const [key, id] = operation;
              // State keys hold no surrogates (UTF-8 cannot carry a lone one).
              if (!/[\uD800-\uDFFF]/.test(key)) {
                queue.push(key, id | 0);
                reference.push([key, id | 0]);
              }
            }
            expect(queue.length).toBe(reference.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('frees a chunk once it has been read', () => {
    const queue = new KeyQueue(1024);
    for (let i = 0; i < 1000; i++) queue.push(`F${i}&--/#01a1*1`, i);
    const full = queue.bytes;
    expect(full).toBeGreaterThan(10 * 1024);
    for (let i = 0; i < 900; i++) queue.shift();
    expect(queue.bytes).toBeLessThan(full / 4);
    expect(queue.shift()).toBe('F900&--/#01a1*1');
    expect(queue.shiftedId).toBe(900);
  });

  it('keeps a key with characters beyond ASCII intact (a client value outside the configured ones)', () => {
    const queue = new KeyQueue();
    queue.push('F1&--/#01e100"café"\'', 7);
    queue.push('F1&--/', 8);
    expect(queue.shift()).toBe('F1&--/#01e100"café"\'');
    expect(queue.shift()).toBe('F1&--/');
  });
});
