import { describe, expect, it } from 'vitest';
import type { Features, NodeState } from '../../models/index.ts';
import {
  appendEntries,
  appendResponse,
  crash,
  electionTimeout,
  logOf,
  node,
  preVote,
  preVoteResponse,
  receive,
  requestVote,
  restart,
  run,
  stepBoth,
  voteResponse,
} from './nodes.ts';

/**
 * The switches of models/features.ts, one rule each, through both engines (`stepBoth`:
 * the compiled step and XState's `transition()` must agree). Off, each rule is Figure 2's
 * (test/model/figure2.test.ts); on, it is the variant the switch names.
 */
const CLUSTER5 = ['n1', 'n2', 'n3', 'n4', 'n5'];

function leaderWith(features: Partial<Features>, fields: Partial<NodeState['context']> = {}): NodeState {
  return node('leader', { currentTerm: 2, votedFor: 'n1', leaderId: 'n1', ...fields }, { features });
}

describe('checkQuorum (thesis §6.2)', () => {
  const on = { checkQuorum: true };
  it('"a leader steps down if an election timeout elapses without a successful round of heartbeats to a majority"', () => {
    const { state, outputs } = stepBoth(leaderWith(on, { heardFrom: ['n1'] }), electionTimeout);
    expect(state.role).toBe('follower');
    expect(state.context.currentTerm).toBe(2); // same term, and its vote stays
    expect(state.context.votedFor).toBe('n1');
    expect(state.context.leaderId).toBeNull();
    expect(outputs).toEqual([]);
  });
  it('a leader that heard from a majority stays leader and starts a new round of the check', () => {
    const leader = leaderWith(on, {
      heardFrom: ['n1'],
      nextIndex: { n2: 1, n3: 1 },
      matchIndex: { n2: 0, n3: 0 },
    });
    const heard = stepBoth(leader, appendResponse('n2', 2, false, 0)).state;
    expect(heard.context.heardFrom).toEqual(['n1', 'n2']);
    const { state } = stepBoth(heard, electionTimeout);
    expect(state.role).toBe('leader');
    expect(state.context.heardFrom).toEqual(['n1']);
  });
  it('off: a leader ignores ElectionTimeout, and keeps no record of whom it heard from', () => {
    const leader = leaderWith({}, { nextIndex: { n2: 1, n3: 1 }, matchIndex: { n2: 0, n3: 0 } });
    expect(stepBoth(leader, electionTimeout).state).toEqual(leader);
    expect(stepBoth(leader, appendResponse('n2', 2, true, 0)).state.context.heardFrom).toEqual([]);
  });
});

describe('leaderStickiness (thesis §4.2.3)', () => {
  const follower = (leaderStickiness: Features['leaderStickiness']) =>
    node(
      'follower',
      { currentTerm: 2, leaderId: 'n2' },
      { features: { leaderStickiness }, cluster: CLUSTER5 },
    );
  it('same-term: a server that knows the leader of its term and has not voted refuses a RequestVote of that term', () => {
    const { state, outputs } = stepBoth(follower('same-term'), requestVote('n3', 2, 0, 0));
    expect(state.context.votedFor).toBeNull();
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 2, voteGranted: false },
    ]);
    // Off, Figure 2 grants it (votedFor is null and the log is up to date).
    expect(stepBoth(follower('off'), requestVote('n3', 2, 0, 0)).state.context.votedFor).toBe('n3');
  });
  it('any-term: "it does not update its term or grant its vote" on a higher-term RequestVote or PreVote', () => {
    for (const input of [requestVote('n3', 3, 0, 0), preVote('n3', 3, 0, 0)]) {
      const before = follower('any-term');
      const { state, outputs } = stepBoth(before, input);
      expect(state).toEqual(before);
      expect(outputs).toEqual([]);
    }
    // same-term still adopts the higher term (the term rule comes first).
    expect(stepBoth(follower('same-term'), requestVote('n3', 3, 0, 0)).state.context.currentTerm).toBe(3);
  });
  it('any-term: after its election timeout a server no longer knows a leader and votes again', () => {
    const { state } = run(follower('any-term'), [electionTimeout, requestVote('n3', 4, 0, 0)]);
    expect(state.context.currentTerm).toBe(4);
    expect(state.context.votedFor).toBe('n3');
  });
  it("any-term-reply: a higher-term RequestVote is refused with a reply in the voter's own term, no term update (canonical recv_request_vote.c:58-64)", () => {
    for (const value of ['any-term-reply', 'any-term-reply-except-leader'] as const) {
      const before = follower(value);
      const { state, outputs } = stepBoth(before, requestVote('n3', 3, 0, 0));
      expect(state).toEqual(before);
      expect(outputs).toEqual([
        { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 2, voteGranted: false },
      ]);
    }
  });
  it('any-term-reply: a leader refuses too (it knows a leader: itself), and so does a follower asked by the candidate it voted for', () => {
    const leader = leaderWith({ leaderStickiness: 'any-term-reply' });
    expect(stepBoth(leader, requestVote('n3', 3, 0, 0)).outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 2, voteGranted: false },
    ]);
    // canonical's has_leader comes before electionVote: no exemption for the vote already cast
    // (etcd's canVote, the same-term value, repeats it).
    const voted = (value: Features['leaderStickiness']) =>
      node(
        'follower',
        { currentTerm: 2, leaderId: 'n2', votedFor: 'n3' },
        { features: { leaderStickiness: value } },
      );
    expect(stepBoth(voted('any-term-reply'), requestVote('n3', 2, 0, 0)).outputs[0]).toMatchObject({
      voteGranted: false,
    });
    expect(stepBoth(voted('same-term'), requestVote('n3', 2, 0, 0)).outputs[0]).toMatchObject({
      voteGranted: true,
    });
  });
  it('any-term-reply-except-leader: the leader the server knows is not refused (hashicorp raft.go:1417 `leader != candidate`)', () => {
    // Same term: plain Figure 2 decides, and grants (votedFor is null, log up to date).
    const same = stepBoth(follower('any-term-reply-except-leader'), requestVote('n2', 2, 0, 0));
    expect(same.state.context.votedFor).toBe('n2');
    expect(
      stepBoth(follower('any-term-reply'), requestVote('n2', 2, 0, 0)).state.context.votedFor,
    ).toBeNull();
    // Higher term: the term rule applies, then the vote.
    const higher = stepBoth(follower('any-term-reply-except-leader'), requestVote('n2', 3, 0, 0));
    expect(higher.state.context.currentTerm).toBe(3);
    expect(higher.outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n2', term: 3, voteGranted: true },
    ]);
  });
  it('any-term-reply: a higher-term PreVote goes to the pre-vote rule, which refuses it with a reply while a leader is known', () => {
    const voter = node(
      'follower',
      { currentTerm: 2, leaderId: 'n2' },
      { features: { preVote: true, leaderStickiness: 'any-term-reply' }, cluster: CLUSTER5 },
    );
    const { state, outputs } = stepBoth(voter, preVote('n3', 3, 0, 0));
    expect(state).toEqual(voter);
    expect(outputs).toEqual([{ type: 'PreVoteResponse', from: 'n1', to: 'n3', term: 2, voteGranted: false }]);
  });
});

describe('PreVote variants (thesis §9.6)', () => {
  it("preVoteRefusalTerm=echo: a refused pre-vote carries the request's term, and the pre-candidate does not adopt it", () => {
    const voter = node(
      'follower',
      { currentTerm: 2, log: logOf(2) },
      { features: { preVote: true, preVoteRefusalTerm: 'echo' } },
    );
    const { outputs } = stepBoth(voter, preVote('n2', 3, 0, 0));
    expect(outputs).toEqual([{ type: 'PreVoteResponse', from: 'n1', to: 'n2', term: 3, voteGranted: false }]);
    const pre = stepBoth(
      node('follower', { currentTerm: 2 }, { features: { preVote: true, preVoteRefusalTerm: 'echo' } }),
      electionTimeout,
    ).state;
    const { state } = stepBoth(pre, preVoteResponse('n2', 3, false));
    expect(state.role).toBe('preCandidate');
    expect(state.context.currentTerm).toBe(2);
    expect(state.context.votesResponded).toEqual(['n1', 'n2']);
  });
  it('candidateRetry=election: a candidate whose election times out starts a new election, not a pre-vote round', () => {
    const features = { preVote: true, candidateRetry: 'election' as const };
    const candidate = node(
      'candidate',
      { currentTerm: 2, votedFor: 'n1', votesGranted: ['n1'], votesResponded: ['n1'] },
      { features },
    );
    const { state, outputs } = stepBoth(candidate, electionTimeout);
    expect(state.role).toBe('candidate');
    expect(state.context.currentTerm).toBe(3);
    expect(outputs.map((m) => m.type)).toEqual(['RequestVoteRequest', 'RequestVoteRequest']);
    // The default (pre-vote) goes back through a pre-vote round.
    expect(
      stepBoth(
        {
          ...candidate,
          context: {
            ...candidate.context,
            features: { ...candidate.context.features, candidateRetry: 'pre-vote' },
          },
        },
        electionTimeout,
      ).state.role,
    ).toBe('preCandidate');
  });
  it("preVoteOwnTerm: a pre-vote for the voter's own term is granted when the real vote could be, and such a grant counts", () => {
    const features = { preVote: true, preVoteOwnTerm: true };
    const voter = node('follower', { currentTerm: 3 }, { features });
    expect(stepBoth(voter, preVote('n2', 3, 0, 0)).outputs).toEqual([
      { type: 'PreVoteResponse', from: 'n1', to: 'n2', term: 3, voteGranted: true },
    ]);
    // Not when the voter has voted for another in that term (the real vote could not be granted).
    const voted = node('follower', { currentTerm: 3, votedFor: 'n3' }, { features });
    expect(stepBoth(voted, preVote('n2', 3, 0, 0)).outputs[0]).toMatchObject({ voteGranted: false });
    const pre = stepBoth(node('follower', { currentTerm: 3 }, { features }), electionTimeout).state;
    expect(stepBoth(pre, preVoteResponse('n2', 3, true)).state.role).toBe('candidate');
  });
  it('yieldOnLostElection: a candidate whose refusals make a majority impossible becomes a follower of the same term (etcd VoteLost)', () => {
    const features = { yieldOnLostElection: true };
    const fields = { currentTerm: 2, votedFor: 'n1', votesGranted: ['n1'], votesResponded: ['n1', 'n2'] };
    const { state } = stepBoth(node('candidate', fields, { features }), voteResponse('n3', 2, false));
    expect(state.role).toBe('follower');
    expect(state.context.currentTerm).toBe(2);
    expect(state.context.votedFor).toBe('n1'); // its vote of the term stays (§5.2)
    // Off, Figure 2: the candidate waits for its election timeout.
    expect(stepBoth(node('candidate', fields), voteResponse('n3', 2, false)).state.role).toBe('candidate');
    // One refusal of two: a majority is still possible, so the candidate stays.
    const early = node('candidate', { ...fields, votesResponded: ['n1'] }, { features });
    expect(stepBoth(early, voteResponse('n2', 2, false)).state.role).toBe('candidate');
    // A pre-candidate too.
    const pre = node(
      'preCandidate',
      { currentTerm: 1, votesGranted: ['n1'], votesResponded: ['n1', 'n2'] },
      {
        features: { ...features, preVote: true },
      },
    );
    expect(stepBoth(pre, preVoteResponse('n3', 1, false)).state.role).toBe('follower');
  });
});

describe('nextIndex back-off (Raft §5.3)', () => {
  const leader = (features: Partial<Features>) =>
    leaderWith(features, {
      log: logOf(1, 1, 2, 2, 2),
      nextIndex: { n2: 6, n3: 6 },
      matchIndex: { n2: 2, n3: 0 },
    });
  it("backoff=hint: a rejection carries the follower's last index, and the leader moves nextIndex to min(nextIndex - 1, hint + 1)", () => {
    const follower = node(
      'follower',
      { currentTerm: 2, log: logOf(1, 1) },
      { features: { backoff: 'hint' } },
    );
    const { outputs } = stepBoth(follower, appendEntries('n2', { term: 2, prevLogIndex: 5, prevLogTerm: 2 }));
    expect(outputs[0]).toMatchObject({ success: false, rejectHint: 2 });
    const hinted = receive({
      type: 'AppendEntriesResponse',
      from: 'n3',
      to: 'n1',
      term: 2,
      success: false,
      matchIndex: 0,
      rejectHint: 2,
    });
    expect(stepBoth(leader({ backoff: 'hint' }), hinted).state.context.nextIndex.n3).toBe(3);
    // Off, the hint is ignored: decrement by one.
    expect(stepBoth(leader({}), hinted).state.context.nextIndex.n3).toBe(5);
  });
  it('ignoreStaleRejections: a rejection never moves nextIndex below matchIndex + 1', () => {
    const stale = leader({ ignoreStaleRejections: true });
    const atMatch = { ...stale, context: { ...stale.context, nextIndex: { n2: 3, n3: 6 } } };
    expect(stepBoth(atMatch, appendResponse('n2', 2, false, 0)).state.context.nextIndex.n2).toBe(3);
    const plain = leader({});
    const plainAtMatch = { ...plain, context: { ...plain.context, nextIndex: { n2: 3, n3: 6 } } };
    expect(stepBoth(plainAtMatch, appendResponse('n2', 2, false, 0)).state.context.nextIndex.n2).toBe(2);
  });
  it('ignoreStaleRejections: a fresh rejection (nextIndex above matchIndex + 1) still backs off, else the follower is never repaired', () => {
    // The plausible bug of this switch (docs/model.md): ignoring every rejection. Not a
    // safety matter (nextIndex only chooses what to send, §5.3), so this rule is pinned here.
    const stale = leader({ ignoreStaleRejections: true });
    expect(stepBoth(stale, appendResponse('n2', 2, false, 0)).state.context.nextIndex.n2).toBe(5);
    expect(stepBoth(stale, appendResponse('n3', 2, false, 0)).state.context.nextIndex.n3).toBe(5);
  });
});

describe('appendMatchFrom (Figure 2, AppendEntries RPC results: term, success)', () => {
  const request = appendEntries('n2', {
    term: 2,
    prevLogIndex: 1,
    prevLogTerm: 1,
    entries: [{ term: 2, value: 'x' }],
  });
  it('request: a success carries only term and success, with the request it answers (prevLogIndex, entry count)', () => {
    const follower = node(
      'follower',
      { currentTerm: 2, log: logOf(1) },
      { features: { appendMatchFrom: 'request' } },
    );
    expect(stepBoth(follower, request).outputs).toEqual([
      {
        type: 'AppendEntriesResponse',
        from: 'n1',
        to: 'n2',
        term: 2,
        success: true,
        matchIndex: 0,
        inReplyTo: { prevLogIndex: 1, entries: 1 },
      },
    ]);
    // Off (raft.tla mmatchIndex): the follower's own claim, prevLogIndex + len(entries).
    const plain = node('follower', { currentTerm: 2, log: logOf(1) });
    expect(stepBoth(plain, request).outputs[0]).toMatchObject({ matchIndex: 2 });
    expect(stepBoth(plain, request).outputs[0]).not.toHaveProperty('inReplyTo');
  });
  it('request: "If successful: update nextIndex and matchIndex for follower (§5.3)" from the request answered, never backwards', () => {
    const leader = leaderWith(
      { appendMatchFrom: 'request' },
      { log: logOf(1, 2, 2), nextIndex: { n2: 4, n3: 1 }, matchIndex: { n2: 0, n3: 0 } },
    );
    const answer = (prevLogIndex: number, entries: number) =>
      receive({
        type: 'AppendEntriesResponse',
        from: 'n3',
        to: 'n1',
        term: 2,
        success: true,
        matchIndex: 0,
        inReplyTo: { prevLogIndex, entries },
      });
    const acked = stepBoth(leader, answer(0, 2)).state;
    expect(acked.context.matchIndex.n3).toBe(2);
    expect(acked.context.nextIndex.n3).toBe(3);
    expect(acked.context.commitIndex).toBe(2); // entry 2 is of term 2, on n1 and n3
    // A delayed success for an earlier, shorter request does not move matchIndex back.
    expect(stepBoth(acked, answer(0, 1)).state.context.matchIndex.n3).toBe(2);
  });
});

describe('preVoteStickiness (thesis §9.6 PreVote, §4.2.3 leader stickiness)', () => {
  const follower = (preVoteStickiness: boolean) =>
    node(
      'follower',
      { currentTerm: 2, leaderId: 'n3', log: logOf(1) },
      { features: { preVote: true, preVoteStickiness } },
    );
  it("default: a voter that hears from a current leader refuses a pre-vote (no heartbeat from a valid leader is one of §9.6's two conditions)", () => {
    expect(stepBoth(follower(true), preVote('n2', 3, 1, 1)).outputs).toEqual([
      { type: 'PreVoteResponse', from: 'n1', to: 'n2', term: 2, voteGranted: false },
    ]);
  });
  it('false: a pre-vote for a higher term is granted on the log alone (etcd canVote), and nothing of the voter changes', () => {
    const voter = follower(false);
    const { state, outputs } = stepBoth(voter, preVote('n2', 3, 1, 1));
    expect(outputs).toEqual([{ type: 'PreVoteResponse', from: 'n1', to: 'n2', term: 3, voteGranted: true }]);
    expect(state.context).toEqual({ ...voter.context, outbox: state.context.outbox });
    // The election restriction still holds (§5.4.1): a log behind is refused.
    expect(stepBoth(voter, preVote('n2', 3, 0, 0)).outputs[0]).toMatchObject({ voteGranted: false, term: 2 });
  });
});

describe('persistCommitIndex (Figure 2 State: commitIndex is volatile; etcd HardState.Commit)', () => {
  const follower = (persistCommitIndex: boolean) =>
    node(
      'follower',
      { currentTerm: 2, leaderId: 'n2', log: logOf(1, 2), commitIndex: 2 },
      { features: { persistCommitIndex } },
    );
  it('on: a crashed and restarted server knows the commitIndex it had', () => {
    const { state } = run(follower(true), [crash, restart]);
    expect(state.role).toBe('follower');
    expect(state.context.commitIndex).toBe(2);
    expect(state.context.leaderId).toBeNull(); // the rest of the volatile state is gone
  });
  it('off: "volatile state on all servers": commitIndex is 0 after a restart', () => {
    expect(run(follower(false), [crash, restart]).state.context.commitIndex).toBe(0);
  });
});

describe('appendBelowCommit (etcd handleAppendEntries, m.Index < committed)', () => {
  const below = appendEntries('n2', {
    term: 2,
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [{ term: 3, value: 'z' }],
    leaderCommit: 0,
  });
  const follower = (appendBelowCommit: Features['appendBelowCommit']) =>
    node(
      'follower',
      { currentTerm: 2, log: logOf(1, 2), commitIndex: 2 },
      { features: { appendBelowCommit } },
    );
  it('reply-commit: success with matchIndex = commitIndex, the log untouched, the leader recognized', () => {
    const { state, outputs } = stepBoth(follower('reply-commit'), below);
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 2, success: true, matchIndex: 2 },
    ]);
    expect(state.context.log).toEqual(logOf(1, 2));
    expect(state.context.leaderId).toBe('n2');
  });
  it('process: Figure 2 rules 3 and 4 run (here they would cut committed entries: an input no cluster sends, §5.4)', () => {
    const { state, outputs } = stepBoth(follower('process'), below);
    expect(state.context.log).toEqual([{ term: 3, value: 'z' }]);
    expect(outputs[0]).toMatchObject({ success: true, matchIndex: 1 });
  });
  it('reply-commit: a request at or above commitIndex takes the Figure 2 path', () => {
    const at = appendEntries('n2', {
      term: 2,
      prevLogIndex: 2,
      prevLogTerm: 2,
      entries: [{ term: 2, value: 'y' }],
    });
    const { state, outputs } = stepBoth(follower('reply-commit'), at);
    expect(state.context.log).toHaveLength(3);
    expect(outputs[0]).toMatchObject({ success: true, matchIndex: 3 });
  });
});
