import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileNodeMachine, initialNodeState, makeFeatures, step } from '../../models/index.ts';
import type { NodeState } from '../../models/node/compiled.ts';
import type { NodeInput } from '../../models/types.ts';
import { NodeStepMemo } from '../../src/explore/node-steps.ts';
import { CLUSTER, inputFor } from '../support/arbitraries.ts';

/**
 * The checker's remembered server steps (node-steps.ts) answer exactly as the statechart
 * does, and a repeated (server state, input) is answered from memory with the very same
 * result, not stepped again.
 */
describe('NodeStepMemo', () => {
  const machine = compileNodeMachine();
  const setup = { id: 'n1', cluster: CLUSTER, features: makeFeatures({ preVote: true }) };

  it('answers as step() does on random input sequences, and a repeat comes from memory', () => {
    fc.assert(
      fc.property(fc.array(inputFor('n1'), { minLength: 1, maxLength: 40 }), (inputs) => {
        const memo = new NodeStepMemo(machine);
        let state: NodeState = initialNodeState(setup);
        for (const input of inputs) {
          const plain = step(state, input, machine);
          const remembered = memo.step(state, input);
          expect(remembered).toEqual(plain);
          // The same objects again: the first answer is returned, not a new step's.
          expect(memo.step(state, input)).toBe(remembered);
          state = remembered.state;
        }
        // Each input was asked twice; the second time always from memory (and the first
        // too when an input left the state as it was and came again).
        expect(memo.hits + memo.misses).toBe(2 * inputs.length);
        expect(memo.hits).toBeGreaterThanOrEqual(inputs.length);
      }),
      { numRuns: 300 },
    );
  });

  it('tells inputs apart: two client values, two timeouts, two messages', () => {
    const memo = new NodeStepMemo(machine);
    const node = initialNodeState(setup);
    const inputs: NodeInput[] = [
      { type: 'ElectionTimeout' },
      { type: 'HeartbeatTimeout' },
      { type: 'ClientRequest', value: 'x' },
      { type: 'ClientRequest', value: 'y' },
      {
        type: 'Receive',
        message: {
          type: 'RequestVoteRequest',
          from: 'n2',
          to: 'n1',
          term: 1,
          lastLogIndex: 0,
          lastLogTerm: 0,
        },
      },
      {
        type: 'Receive',
        message: {
          type: 'RequestVoteRequest',
          from: 'n3',
          to: 'n1',
          term: 1,
          lastLogIndex: 0,
          lastLogTerm: 0,
        },
      },
    ];
    const results = inputs.map((input) => memo.step(node, input));
    expect(memo.misses).toBe(inputs.length);
    inputs.forEach((input, k) => {
      expect(results[k]).toEqual(step(node, input, machine));
    });
  });

  it('starts afresh past its limit of server states (bounded memory)', () => {
    const memo = new NodeStepMemo(machine, 2);
    const a = initialNodeState(setup);
    const b = step(a, { type: 'ElectionTimeout' }, machine).state;
    const c = step(b, { type: 'ElectionTimeout' }, machine).state;
    const first = memo.step(a, { type: 'ElectionTimeout' });
    memo.step(b, { type: 'ElectionTimeout' });
    memo.step(c, { type: 'ElectionTimeout' }); // third server state: the memo starts afresh
    const again = memo.step(a, { type: 'ElectionTimeout' });
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
