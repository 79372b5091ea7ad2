import { describe, expect, it } from 'vitest';
import { applyAction, type ClusterBounds, enabledActions } from '../../models/cluster/actions.ts';
import { makeClusterConfig } from '../../models/cluster/config.ts';
import { type ClusterState, initialClusterState } from '../../models/cluster/state.ts';
import { StateEncoder } from '../../src/explore/encode.ts';
import { Random } from '../../src/explore/random.ts';
import { StateParts, StateQueue } from '../../src/explore/state-queue.ts';

/**
 * The breadth-first frontier: states as numbers of their distinct servers, messages and
 * history, in int32 chunks outside the heap. What goes in comes out equal, first in first
 * out, and read chunks are freed.
 */
const config = makeClusterConfig({ values: ['v1', 'v2'], features: { preVote: true } });
const bounds: ClusterBounds = { maxTerm: 3, maxLog: 2, maxCopies: 2, maxCrashes: 1 };
const encoder = new StateEncoder(config);

function reachable(count: number, seed: number): ClusterState[] {
  const random = new Random(seed);
  const initial = initialClusterState(config);
  const states: ClusterState[] = [initial];
  let state = initial;
  while (states.length < count) {
    const actions = enabledActions(config, state, bounds);
    if (actions.length === 0 || random.below(20) === 0) {
      state = initial;
      continue;
    }
    state = applyAction(config, state, actions[random.below(actions.length)]).state;
    states.push(state);
  }
  return states;
}

function push(queue: StateQueue, state: ClusterState, id: number): void {
  const numbers = state.nodes.map((node, i) => queue.parts.node(i, encoder.nodePart(node), node));
  queue.push(state, numbers, id);
}

describe('StateQueue', () => {
  it('gives back every state equal to what went in, with its id, first in first out, across chunks', () => {
    const states = reachable(3000, 11);
    const queue = new StateQueue(new StateParts(), 3, 64); // tiny chunks: many boundaries
    const random = new Random(3);
    let next = 0;
    let read = 0;
    while (read < states.length) {
      if (next < states.length && (random.below(3) > 0 || read === next)) {
        push(queue, states[next], next);
        next++;
      } else {
        const item = queue.shift();
        expect(item?.id).toBe(read);
        expect(item?.state).toEqual(states[read]);
        expect(encoder.encode(item!.state)).toBe(encoder.encode(states[read]));
        read++;
      }
      expect(queue.length).toBe(next - read);
    }
    expect(queue.shift()).toBeUndefined();
  });

  it('keeps servers in the same situation apart: each comes back with its own id', () => {
    // In the initial state n1, n2 and n3 have equal key parts (a part leaves out the
    // server's own id, which its position gives).
    const initial = initialClusterState(config);
    const queue = new StateQueue(new StateParts(), 3);
    push(queue, initial, 0);
    expect(queue.shift()?.state.nodes.map((n) => n.context.id)).toEqual(['n1', 'n2', 'n3']);
  });

  it('numbers each distinct part once, and frees a chunk once it has been read', () => {
    const states = reachable(2000, 5);
    const queue = new StateQueue(new StateParts(), 3, 256);
    states.forEach((state, id) => {
      push(queue, state, id);
    });
    const sizes = queue.parts.sizes;
    expect(sizes.nodes).toBeLessThan(states.length);
    expect(sizes.messages).toBeLessThan(states.length);
    const full = queue.bytes;
    for (let i = 0; i < 1900; i++) queue.shift();
    expect(queue.bytes).toBeLessThan(full / 4);
    expect(queue.shift()?.id).toBe(1900);
  });

  it('writes into the chunks it has read to the end instead of allocating new ones (a fresh chunk faults in every page)', () => {
    const states = reachable(600, 9);
    const queue = new StateQueue(new StateParts(), 3, 64);
    // A breadth-first search's pattern: read one level from the front, write the next at the back.
    for (let id = 0; id < 200; id++) push(queue, states[id], id);
    const first = queue.chunksAllocated;
    expect(first).toBeGreaterThan(4);
    for (let id = 200; id < 600; id++) {
      push(queue, states[id], id);
      expect(queue.shift()?.id).toBe(id - 200);
    }
    // Without reuse every 64 ints written would take a chunk of their own (~100 here); the
    // steady frontier's chunks come back, so only the first level and the records that
    // grew (more messages in flight) allocate.
    expect(queue.chunksAllocated).toBeLessThan(queue.pushedInts / 64 / 2);
    for (let id = 400; id < 600; id++) expect(queue.shift()?.state).toEqual(states[id]);
    expect(queue.shift()).toBeUndefined();
  });

  it('hands its oldest records to another queue (a parallel worker giving states), which reads them back equal', () => {
    const states = reachable(1500, 7);
    const parts = new StateParts();
    const giver = new StateQueue(parts, 3, 128);
    states.forEach((state, id) => {
      push(giver, state, id);
    });
    giver.shift();
    const taker = new StateQueue(parts, 3, 64);
    taker.pushRecords(giver.takeRecords(700)); // across many chunk boundaries
    expect([giver.length, taker.length]).toEqual([799, 700]);
    for (let id = 1; id <= 700; id++) expect(taker.shift()?.state).toEqual(states[id]);
    expect(giver.shift()?.id).toBe(701);
    expect(giver.takeRecords(5000).length).toBeGreaterThan(0);
    expect([giver.length, giver.shift()]).toEqual([0, undefined]);
  });
});
