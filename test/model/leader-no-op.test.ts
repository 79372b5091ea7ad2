import { describe, expect, it } from 'vitest';
import {
  appendResponse,
  clientRequest,
  electionTimeout,
  logOf,
  node,
  run,
  stepBoth,
  voteResponse,
} from './nodes.ts';

/**
 * The leader no-op (Ongaro's thesis §6.4 and §8, the `leaderNoOp` feature switch). Thesis
 * §8: "Raft handles this by having each leader commit a blank no-op entry into the log at
 * the start of its term." etcd does it in `becomeLeader` (`appendEntry(pb.Entry{Data:
 * nil})`). Every step goes through both engines (`stepBoth`).
 */
const withNoOp = { leaderNoOp: true };

function candidate(term: number, log = logOf(), options = withNoOp) {
  const { state } = stepBoth(node('follower', { currentTerm: term - 1, log }, options), electionTimeout);
  expect(state.role).toBe('candidate');
  expect(state.context.currentTerm).toBe(term);
  return state;
}

describe('leader no-op', () => {
  it('a candidate that wins appends a blank entry of its term and sends it in its first AppendEntries', () => {
    // "each leader commit[s] a blank no-op entry into the log at the start of its term"
    const { state, outputs } = stepBoth(candidate(3, logOf(1, 2)), voteResponse('n2', 3, true));
    expect(state.role).toBe('leader');
    expect(state.context.log).toEqual([...logOf(1, 2), { term: 3, value: '' }]);
    // nextIndex is reinitialized to the old last index + 1 before the append, so the no-op goes out.
    expect(outputs).toEqual(
      ['n2', 'n3'].map((to) => ({
        type: 'AppendEntriesRequest',
        from: 'n1',
        to,
        term: 3,
        prevLogIndex: 2,
        prevLogTerm: 2,
        entries: [{ term: 3, value: '' }],
        leaderCommit: 0,
      })),
    );
    // Reference: thesis §8
  });

  it('commits entries of earlier terms once the no-op is on a majority, with no client request', () => {
    // Thesis §6.4: "a leader must have the latest information on which entries are committed.
    // The Leader Completeness Property guarantees that a leader has all committed entries, but
    // at the start of its term, it may not know which those are." Figure 2 only commits an
    // entry of the current term (§5.4.2), so without the no-op v1 and v2 wait for a proposal.
    const leader = run(candidate(3, logOf(1, 2)), [voteResponse('n2', 3, true)]).state;
    const { state } = stepBoth(leader, appendResponse('n2', 3, true, 3));
    expect(state.context.commitIndex).toBe(3);

    const plain = run(candidate(3, logOf(1, 2), { leaderNoOp: false }), [voteResponse('n2', 3, true)]).state;
    expect(plain.context.log).toEqual(logOf(1, 2));
    const { state: without } = stepBoth(plain, appendResponse('n2', 3, true, 2));
    expect(without.context.commitIndex).toBe(0);
    // Reference: thesis §6.4, Raft §5.4.2
  });

  it('client entries follow the no-op', () => {
    const leader = run(candidate(1), [voteResponse('n3', 1, true), clientRequest('x')]).state;
    expect(leader.context.log).toEqual([
      { term: 1, value: '' },
      { term: 1, value: 'x' },
    ]);
    // Reference: thesis §8
  });

  it('is off by default: Figure 2 has no such step', () => {
    const { state } = stepBoth(candidate(2, logOf(1), { leaderNoOp: false }), voteResponse('n2', 2, true));
    expect(state.role).toBe('leader');
    expect(state.context.log).toEqual(logOf(1));
    // Reference: Figure 2, Leaders
  });

  it('a single-server cluster commits its no-op at once', () => {
    const solo = node('follower', {}, { ...withNoOp, cluster: ['n1'] });
    const { state, outputs } = stepBoth(solo, electionTimeout);
    expect(state.role).toBe('leader');
    expect(state.context.log).toEqual([{ term: 1, value: '' }]);
    expect(state.context.commitIndex).toBe(1);
    expect(outputs).toEqual([]);
    // Reference: thesis §8; Figure 2, Leaders: commit N when a majority has it
  });
});
