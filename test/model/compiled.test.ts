import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileNodeMachine,
  initialNodeState,
  initialSnapshot,
  makeFeatures,
  step,
  stepSnapshot,
  toNodeState,
} from '../../models/index.ts';
import { CLUSTER, inputFor } from '../support/arbitraries.ts';

/**
 * The compiled engine must be XState's semantics, not a second copy of Raft: on random
 * input sequences both engines reach the same role and context and send the same messages.
 */
describe('compiled step engine', () => {
  for (const preVote of [false, true]) {
    it(`agrees with XState transition() on random inputs (preVote=${preVote})`, () => {
      const setup = { id: 'n1', cluster: CLUSTER, features: makeFeatures({ preVote }) };
      fc.assert(
        fc.property(fc.array(inputFor('n1'), { minLength: 1, maxLength: 40 }), (inputs) => {
          let snapshot = initialSnapshot(setup);
          let state = initialNodeState(setup);
          for (const input of inputs) {
            const viaXState = stepSnapshot(snapshot, input);
            const compiled = step(state, input);
            expect(compiled.outputs).toEqual(viaXState.outputs);
            expect(compiled.state).toEqual(toNodeState(viaXState.state));
            snapshot = viaXState.state;
            state = compiled.state;
          }
        }),
        { numRuns: 400 },
      );
    });
  }

  it('rejects a machine that names an unknown guard', () => {
    expect(() => compileNodeMachine({ guards: {}, updates: {} })).toThrow(/unknown guard/);
  });
});
