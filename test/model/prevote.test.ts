import { describe, expect, it } from 'vitest';
import {
  appendEntries,
  electionTimeout,
  logOf,
  node,
  preVote,
  preVoteResponse,
  requestVote,
  run,
  stepBoth,
  voteResponse,
} from './nodes.ts';

/**
 * PreVote (Ongaro's thesis §9.6, enabled by the `preVote` feature switch). Thesis §9.6:
 * "the Pre-Vote algorithm, in which a candidate would first ask other servers whether its
 * log was up-to-date enough to get their vote. Only if the candidate believes it can get
 * votes from a majority of the cluster would it increment its term and start a normal
 * election." Every step goes through both engines (`stepBoth`).
 */
const withPreVote = { preVote: true };

function preCandidate(term: number, log = logOf()) {
  const { state } = stepBoth(node('follower', { currentTerm: term, log }, withPreVote), electionTimeout);
  expect(state.role).toBe('preCandidate');
  return state;
}

describe('PreVote: the pre-candidate', () => {
  it('an election timeout starts a pre-vote round that does not bump the term', () => {
    // "Only if the candidate believes it can get votes from a majority of the cluster
    // would it increment its term and start a normal election." The pre-vote asks about
    // the term it would campaign in, currentTerm + 1.
    const follower = node(
      'follower',
      { currentTerm: 2, votedFor: 'n3', log: logOf(1, 2), leaderId: 'n3' },
      withPreVote,
    );
    const { state, outputs } = stepBoth(follower, electionTimeout);
    expect(state.role).toBe('preCandidate');
    expect(state.context.currentTerm).toBe(2);
    expect(state.context.votedFor).toBe('n3');
    expect(state.context.leaderId).toBeNull();
    expect(state.context.votesGranted).toEqual(['n1']);
    expect(outputs).toEqual([
      { type: 'PreVoteRequest', from: 'n1', to: 'n2', term: 3, lastLogIndex: 2, lastLogTerm: 2 },
      { type: 'PreVoteRequest', from: 'n1', to: 'n3', term: 3, lastLogIndex: 2, lastLogTerm: 2 },
    ]);
    // Reference: thesis §9.6
  });

  it('a majority of pre-votes starts the real election: term + 1, vote for self, RequestVote', () => {
    // "Only if the candidate believes it can get votes from a majority of the cluster
    // would it increment its term and start a normal election."
    const { state, outputs } = stepBoth(preCandidate(2, logOf(1)), preVoteResponse('n2', 3, true));
    expect(state.role).toBe('candidate');
    expect(state.context.currentTerm).toBe(3);
    expect(state.context.votedFor).toBe('n1');
    expect(state.context.votesGranted).toEqual(['n1']);
    expect(outputs).toEqual([
      { type: 'RequestVoteRequest', from: 'n1', to: 'n2', term: 3, lastLogIndex: 1, lastLogTerm: 1 },
      { type: 'RequestVoteRequest', from: 'n1', to: 'n3', term: 3, lastLogIndex: 1, lastLogTerm: 1 },
    ]);
    // Reference: thesis §9.6
  });

  it('a partitioned server that keeps timing out never raises its term (BUGS.md #9)', () => {
    // Thesis §9.6: "While a server is partitioned, it won't be able to increment its term,
    // since it can't receive permission from a majority of the cluster."
    const { state } = run(node('follower', { currentTerm: 4 }, withPreVote), [
      electionTimeout,
      electionTimeout,
      electionTimeout,
    ]);
    expect(state.role).toBe('preCandidate');
    expect(state.context.currentTerm).toBe(4);
    // Reference: thesis §9.6
  });

  it('a pre-vote rejection carrying a higher term makes the pre-candidate a follower of that term', () => {
    // Figure 2, Rules for All Servers: "If RPC request or response contains term T >
    // currentTerm: set currentTerm = T, convert to follower (§5.1)" — a rejection carries
    // the voter's real currentTerm.
    const { state, outputs } = stepBoth(preCandidate(2), preVoteResponse('n2', 5, false));
    expect(state.role).toBe('follower');
    expect(state.context.currentTerm).toBe(5);
    expect(state.context.votesGranted).toEqual([]);
    expect(outputs).toEqual([]);
    // Reference: Figure 2, Rules for All Servers; thesis §9.6
  });

  it('a grant from an earlier pre-vote round is not counted', () => {
    // A pre-vote grant echoes the proposed term; only grants for currentTerm + 1 belong
    // to the round in progress (a stale grant answers an older question).
    const candidateAgain = preCandidate(3);
    const { state, outputs } = run(candidateAgain, [
      preVoteResponse('n2', 3, true),
      preVoteResponse('n3', 2, true),
    ]);
    expect(state.role).toBe('preCandidate');
    expect(state.context.votesGranted).toEqual(['n1']);
    expect(state.context.currentTerm).toBe(3);
    expect(outputs).toEqual([]);
    // Reference: thesis §9.6
  });

  it('a denied pre-vote is recorded as a response but not as a vote', () => {
    // "If votes received from majority of servers: become leader" — denials never count.
    const { state } = stepBoth(preCandidate(2), preVoteResponse('n3', 2, false));
    expect(state.role).toBe('preCandidate');
    expect(state.context.votesGranted).toEqual(['n1']);
    expect(state.context.votesResponded).toEqual(['n1', 'n3']);
    // Reference: thesis §9.6; Figure 2, Rules for Servers, Candidates
  });

  it('an AppendEntries from the current leader ends the pre-vote round', () => {
    // Figure 2, Candidates: "If AppendEntries RPC received from new leader: convert to
    // follower" — a pre-candidate has not even left its term.
    const { state, outputs } = stepBoth(preCandidate(2), appendEntries('n3', { term: 2 }));
    expect(state.role).toBe('follower');
    expect(state.context.currentTerm).toBe(2);
    expect(state.context.leaderId).toBe('n3');
    expect(state.context.votesGranted).toEqual([]);
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n3', term: 2, success: true, matchIndex: 0 },
    ]);
    // Reference: Figure 2, Rules for Servers, Candidates; thesis §9.6
  });
});

describe('PreVote: the voter', () => {
  it('grants a pre-vote for a higher term to an up-to-date log, changing nothing of its own', () => {
    // Thesis §9.6: a server grants a pre-vote when the candidate's "log was up-to-date
    // enough to get their vote"; the request's term is only proposed, so currentTerm and
    // votedFor stay.
    const voter = node('follower', { currentTerm: 2, votedFor: 'n3', log: logOf(1, 2) }, withPreVote);
    const { state, outputs } = stepBoth(voter, preVote('n2', 3, 2, 2));
    expect(state).toEqual(voter);
    expect(outputs).toEqual([{ type: 'PreVoteResponse', from: 'n1', to: 'n2', term: 3, voteGranted: true }]);
    // Reference: thesis §9.6
  });

  it('leader stickiness: a follower that hears from a current leader refuses pre-votes', () => {
    // Thesis §4.2.3: "if a server receives a RequestVote request within the minimum
    // election timeout of hearing from a current leader, it does not update its term or
    // grant its vote." PreVote applies the same check to pre-votes.
    const { state: following } = stepBoth(
      node('follower', { currentTerm: 2 }, withPreVote),
      appendEntries('n3', { term: 2 }),
    );
    const { state, outputs } = stepBoth(following, preVote('n2', 3, 0, 0));
    expect(state).toEqual(following);
    expect(outputs).toEqual([{ type: 'PreVoteResponse', from: 'n1', to: 'n2', term: 2, voteGranted: false }]);
    // Reference: thesis §4.2.3, §9.6
  });

  it('a leader counts itself as a current leader and refuses pre-votes', () => {
    // Thesis §4.2.3 (leader stickiness): a working leader must not be disrupted.
    const { state: candidate } = run(node('follower', { currentTerm: 1 }, withPreVote), [
      electionTimeout,
      preVoteResponse('n2', 2, true),
      requestVote('n3', 2, 0, 0), // rival in the same term: rejected, n1 voted for itself
    ]);
    expect(candidate.role).toBe('candidate');
    const { state: elected } = stepBoth(candidate, voteResponse('n2', 2, true));
    expect(elected.role).toBe('leader');
    const { state, outputs } = stepBoth(elected, preVote('n3', 3, 0, 0));
    expect(state).toEqual(elected);
    expect(outputs).toEqual([{ type: 'PreVoteResponse', from: 'n1', to: 'n3', term: 2, voteGranted: false }]);
    // Reference: thesis §4.2.3, §9.6
  });

  it('refuses a pre-vote whose proposed term is not above its own', () => {
    // Thesis §9.6: a pre-vote asks whether the sender could win the *next* term; a term
    // the voter already has gives nothing to win.
    const voter = node('follower', { currentTerm: 3 }, withPreVote);
    const { state, outputs } = stepBoth(voter, preVote('n2', 3, 0, 0));
    expect(state).toEqual(voter);
    expect(outputs).toEqual([{ type: 'PreVoteResponse', from: 'n1', to: 'n2', term: 3, voteGranted: false }]);
    // Reference: thesis §9.6
  });

  it('refuses a pre-vote to a log that is behind, by the §5.4.1 comparison', () => {
    // §5.4.1: "If the logs have last entries with different terms, then the log with the
    // later term is more up-to-date."
    const voter = node('follower', { currentTerm: 2, log: logOf(1, 2) }, withPreVote);
    const { state, outputs } = stepBoth(voter, preVote('n2', 3, 4, 1));
    expect(state).toEqual(voter);
    expect(outputs).toEqual([{ type: 'PreVoteResponse', from: 'n1', to: 'n2', term: 2, voteGranted: false }]);
    // Reference: thesis §9.6; §5.4.1
  });

  it('a pre-vote request with a higher proposed term does not move the voter to that term', () => {
    // Thesis §9.6: the pre-vote exists precisely so that a disruptive server does not
    // raise everybody's term; the term rule applies to real terms only.
    const voter = node('follower', { currentTerm: 1, log: logOf(1) }, withPreVote);
    const { state } = stepBoth(voter, preVote('n2', 7, 0, 0));
    expect(state.context.currentTerm).toBe(1);
    expect(state.context.votedFor).toBeNull();
    // Reference: thesis §9.6
  });
});
