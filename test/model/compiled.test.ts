import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileNodeMachine,
  describeFeatures,
  type Features,
  initialNodeState,
  initialSnapshot,
  makeFeatures,
  step,
  stepSnapshot,
  toNodeState,
} from '../../models/index.ts';
import { anchoredInputFor, anchorInput, CLUSTER, inputWithTicksFor } from '../support/arbitraries.ts';

/**
 * The compiled engine must be XState's semantics, not a second copy of Raft: on random
 * input sequences both engines reach the same role and context and send the same messages.
 */
/**
 * The default model, PreVote, the leader no-op, each switch of models/features.ts alone (with
 * PreVote where it needs it), and every switch at once.
 */
const FEATURE_SETS: readonly Partial<Features>[] = [
  {},
  { preVote: true },
  { leaderNoOp: true },
  { preVote: true, leaderNoOp: true },
  { checkQuorum: true },
  { leaderStickiness: 'same-term' },
  { leaderStickiness: 'any-term-reply' },
  { leaderStickiness: 'any-term-reply-except-leader', preVote: true },
  { leaderStickiness: 'any-term', preVote: true },
  { preVote: true, preVoteRefusalTerm: 'echo' },
  { preVote: true, candidateRetry: 'election' },
  { preVote: true, preVoteOwnTerm: true },
  { backoff: 'hint' },
  { ignoreStaleRejections: true },
  { backoff: 'hint', ignoreStaleRejections: true },
  { appendMatchFrom: 'request' },
  // etcd E5-E7 (docs/implementations.md): each alone, then together with etcd's other switches.
  { preVote: true, preVoteStickiness: false },
  { persistCommitIndex: true },
  { appendBelowCommit: 'reply-commit' },
  {
    preVote: true,
    checkQuorum: true,
    leaderNoOp: true,
    leaderStickiness: 'same-term',
    preVoteOwnTerm: true,
    backoff: 'hint',
    ignoreStaleRejections: true,
    yieldOnLostElection: true,
    preVoteStickiness: false,
    persistCommitIndex: true,
    appendBelowCommit: 'reply-commit',
  },
  {
    preVote: true,
    checkQuorum: true,
    leaderNoOp: true,
    leaderStickiness: 'any-term',
    preVoteRefusalTerm: 'echo',
    candidateRetry: 'election',
    preVoteOwnTerm: true,
    backoff: 'hint',
    ignoreStaleRejections: true,
    appendMatchFrom: 'request',
  },
];

describe('compiled step engine', () => {
  for (const switches of FEATURE_SETS) {
    it(`agrees with XState transition() on random inputs, ticks included (${describeFeatures(makeFeatures(switches))})`, () => {
      const setup = { id: 'n1', cluster: CLUSTER, features: makeFeatures(switches) };
      fc.assert(
        fc.property(fc.array(inputWithTicksFor('n1'), { minLength: 1, maxLength: 40 }), (inputs) => {
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

  for (const switches of FEATURE_SETS) {
    const leaderNoOp = switches.leaderNoOp === true;
    it(`agrees with XState transition() on inputs anchored to the state: elections, replication, commits (${describeFeatures(makeFeatures(switches))})`, () => {
      const setup = { id: 'n1', cluster: CLUSTER, features: makeFeatures(switches) };
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
