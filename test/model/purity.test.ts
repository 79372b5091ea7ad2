import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClientRequest,
  compileNodeMachine,
  guards,
  initialNodeState,
  type LogEntry,
  makeFeatures,
  type NodeState,
  step,
  stepSnapshot,
  toNodeState,
  toSnapshot,
  type Update,
  updates,
} from '../../models/index.ts';
import { anchoredInputFor, anchorInput, CLUSTER } from '../support/arbitraries.ts';

/**
 * DESIGN.md: "The model is pure. A node step is (snapshot, input) → (snapshot, outputs)
 * ... outbound messages are outputs, never calls; timers are inputs." So the same input on
 * the same state gives the same result every time, and stepping never changes what it
 * was given. Inputs and states are deep-frozen: in an ES module (strict mode) any write
 * to them throws, and a structured clone taken before is compared after.
 */

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

const sequences = fc.array(anchoredInputFor('n1'), { minLength: 1, maxLength: 24 });

describe('the step API is pure', () => {
  for (const preVote of [false, true]) {
    it(`step and stepSnapshot: same results twice, no mutation of state or input (preVote=${preVote})`, () => {
      fc.assert(
        fc.property(sequences, (plan) => {
          let state: NodeState = deepFreeze(
            initialNodeState({ id: 'n1', cluster: CLUSTER, features: makeFeatures({ preVote }) }),
          );
          for (const planned of plan) {
            const input = deepFreeze(anchorInput(state.context, planned));
            const stateBefore = structuredClone(state);
            const inputBefore = structuredClone(input);

            const first = step(state, input);
            const second = step(state, input);
            expect(second).toEqual(first);

            const snapshot = toSnapshot(state);
            deepFreeze(snapshot.context);
            const viaXState = stepSnapshot(snapshot, input);
            const viaXStateAgain = stepSnapshot(snapshot, input);
            expect(viaXStateAgain.outputs).toEqual(viaXState.outputs);
            expect(toNodeState(viaXStateAgain.state)).toEqual(toNodeState(viaXState.state));
            expect(viaXState.outputs).toEqual(first.outputs);
            expect(toNodeState(viaXState.state)).toEqual(first.state);

            expect(state).toEqual(stateBefore);
            expect(input).toEqual(inputBefore);
            expect(toNodeState(snapshot)).toEqual(stateBefore);
            state = deepFreeze(first.state);
          }
        }),
        { numRuns: 300, seed: 2014 },
      );
    });
  }

  it('a step hands back new objects and leaves the old state usable', () => {
    // Persistent data: stepping from an old state again, after later steps, gives the
    // same answer (the explorer revisits states this way).
    const start = deepFreeze(initialNodeState({ id: 'n1', cluster: CLUSTER, features: makeFeatures() }));
    const afterTimeout = step(start, { type: 'ElectionTimeout' });
    step(afterTimeout.state, { type: 'ElectionTimeout' });
    expect(step(start, { type: 'ElectionTimeout' })).toEqual(afterTimeout);
    expect(afterTimeout.state).not.toBe(start);
    expect(start.context.currentTerm).toBe(0);
  });

  it('the freezing is not vacuous: an action that writes into the log it was given throws', () => {
    const mutating: Update = (context, event) => {
      (context.log as LogEntry[]).push({ term: context.currentTerm, value: (event as ClientRequest).value });
      return context;
    };
    const machine = compileNodeMachine({ guards, updates: { ...updates, appendClientEntry: mutating } });
    const leader = deepFreeze(
      step(initialNodeState({ id: 'n1', cluster: ['n1'], features: makeFeatures() }), {
        type: 'ElectionTimeout',
      }).state,
    );
    expect(leader.role).toBe('leader');
    expect(() => step(leader, { type: 'ClientRequest', value: 'x' }, machine)).toThrow(TypeError);
  });
});
