import { createNode, NO_FEATURES, step } from 'raftkit';
import { expect, it } from 'vitest';

// The model itself, stepped directly: "On conversion to candidate, start election: increment
// currentTerm, vote for self, send RequestVote RPCs to all other servers". Reference: §5.2.
it('a follower that times out starts an election', () => {
  const node = createNode({ id: 'n1', cluster: ['n1', 'n2', 'n3'], features: NO_FEATURES });
  const { state, outputs } = step(node, { type: 'ElectionTimeout' });
  expect(state.role).toBe('candidate');
  expect(state.context.currentTerm).toBe(1);
  expect(state.context.votedFor).toBe('n1');
  expect(outputs.map((m) => m.type)).toEqual(['RequestVoteRequest', 'RequestVoteRequest']);
});
