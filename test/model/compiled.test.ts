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
import { anchoredInputFor, anchorInput, CLUSTER, inputFor } from '../support/arbitraries.ts';

/**
 * The compiled engine must be XState's semantics, not a second copy of Raft: on random
 * input sequences both engines reach the same role and context and send the same messages.
 */
/** [preVote, leaderNoOp]: the default model, PreVote, and the leader no-op with and without PreVote. */
const FEATURE_SETS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

describe('compiled step engine', () => {
  for (const [preVote, leaderNoOp] of FEATURE_SETS) {
    it(`agrees with XState transition() on random inputs (preVote=${preVote}${leaderNoOp ? ', leaderNoOp' : ''})`, () => {
      const setup = { id: 'n1', cluster: CLUSTER, features: makeFeatures({ preVote, leaderNoOp }) };
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

  for (const [preVote, leaderNoOp] of FEATURE_SETS) {
    it(`agrees with XState transition() on inputs anchored to the state: elections, replication, commits (preVote=${preVote}${leaderNoOp ? ', leaderNoOp' : ''})`, () => {
      const setup = { id: 'n1', cluster: CLUSTER, features: makeFeatures({ preVote, leaderNoOp }) };
      let leaderSteps = 0;
      let elections = 0;
      fc.assert(
        fc.property(fc.array(anchoredInputFor('n1'), { minLength: 10, maxLength: 32 }), (plan) => {
          let snapshot = initialSnapshot(setup);
          let state = initialNodeState(setup);
          for (const planned of plan) {
            const input = anchorInput(state.context, planned);
            const viaXState = stepSnapshot(snapshot, input);
            const compiled = step(state, input);
            expect(compiled.outputs).toEqual(viaXState.outputs);
            expect(compiled.state).toEqual(toNodeState(viaXState.state));
            if (compiled.state.role === 'leader') leaderSteps++;
            if (state.role !== 'leader' && compiled.state.role === 'leader') {
              elections++;
              // With leaderNoOp the new leader's last entry is the blank entry of its term.
              const last = compiled.state.context.log.at(-1);
              if (leaderNoOp) expect(last).toEqual({ term: compiled.state.context.currentTerm, value: '' });
            }
            snapshot = viaXState.state;
            state = compiled.state;
          }
        }),
        { numRuns: 300, seed: 2014 },
      );
      expect(leaderSteps).toBeGreaterThan(0); // the leader's transitions were compared too
      expect(elections).toBeGreaterThan(0); // and so was becoming leader (with the no-op, if on)
    });
  }

  it('rejects a machine that names an unknown guard', () => {
    expect(() => compileNodeMachine({ guards: {}, updates: {} })).toThrow(/unknown guard/);
  });
});
