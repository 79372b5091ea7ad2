import { describe, expect, it } from 'vitest';
import {
  appendEntries,
  appendResponse,
  clientRequest,
  crash,
  electedLeader,
  electionTimeout,
  freshNode,
  heartbeatTimeout,
  logOf,
  node,
  requestVote,
  restart,
  run,
  stepBoth,
  voteResponse,
} from './nodes.ts';

/**
 * Figure 2 of the Raft paper ("In Search of an Understandable Consensus Algorithm",
 * Ongaro & Ousterhout 2014), one rule at a time, in the style of etcd's raft tests: each
 * test quotes the sentence it checks and ends with its reference. Every step goes through
 * both the compiled `step` and XState's `transition()` (`stepBoth`), which must agree.
 * Node n1 of the cluster {n1, n2, n3} is the node under test unless said otherwise.
 */

describe('Rules for All Servers: the term rule', () => {
  it('a follower adopts a higher term from an AppendEntries request and stays follower', () => {
    // "If RPC request or response contains term T > currentTerm: set currentTerm = T,
    // convert to follower (§5.1)"
    const follower = node('follower', { currentTerm: 1, votedFor: 'n3' });
    const { state, outputs } = stepBoth(follower, appendEntries('n2', { term: 3 }));
    expect(state.role).toBe('follower');
    expect(state.context.currentTerm).toBe(3);
    expect(state.context.votedFor).toBeNull(); // votedFor belongs to the old term
    expect(state.context.leaderId).toBe('n2');
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 3, success: true, matchIndex: 0 },
    ]);
    // Reference: Figure 2, Rules for All Servers; §5.1
  });

  it('a candidate that sees a higher term in a response converts to follower', () => {
    // "If RPC request or response contains term T > currentTerm: set currentTerm = T,
    // convert to follower (§5.1)"
    const { state: candidate } = stepBoth(node('follower', { currentTerm: 1 }), electionTimeout);
    expect(candidate.role).toBe('candidate');
    const { state, outputs } = stepBoth(candidate, voteResponse('n2', 5, false));
    expect(state.role).toBe('follower');
    expect(state.context.currentTerm).toBe(5);
    expect(state.context.votedFor).toBeNull();
    expect(state.context.votesGranted).toEqual([]);
    expect(state.context.votesResponded).toEqual([]);
    expect(outputs).toEqual([]);
    // Reference: Figure 2, Rules for All Servers; §5.1
  });

  it('a leader that sees a higher term in an AppendEntries response steps down', () => {
    // "If a candidate or leader discovers that its term is out of date, it immediately
    // reverts to follower state."
    const leader = electedLeader(2, logOf(1));
    const { state, outputs } = stepBoth(leader, appendResponse('n3', 4, false, 0));
    expect(state.role).toBe('follower');
    expect(state.context.currentTerm).toBe(4);
    expect(state.context.leaderId).toBeNull();
    expect(state.context.nextIndex).toEqual({});
    expect(state.context.matchIndex).toEqual({});
    expect(state.context.log).toEqual(logOf(1)); // the log is never touched by the term rule
    expect(outputs).toEqual([]);
    // Reference: §5.1; Figure 2, Rules for All Servers
  });

  it('a leader steps down on a higher-term RequestVote, then decides the vote as a follower', () => {
    // "If RPC request or response contains term T > currentTerm: set currentTerm = T,
    // convert to follower (§5.1)" — and the request is then answered with the new term
    // (BUGS.md #5: a leader that grants a higher-term vote must not keep leading).
    const leader = electedLeader(2, logOf(1));
    const { state, outputs } = stepBoth(leader, requestVote('n3', 3, 1, 1));
    expect(state.role).toBe('follower');
    expect(state.context.currentTerm).toBe(3);
    expect(state.context.votedFor).toBe('n3');
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 3, voteGranted: true },
    ]);
    // Reference: Figure 2, Rules for All Servers and RequestVote RPC; §5.1
  });

  it('a new term brings a new vote: a server that voted in term 1 may vote again in term 2', () => {
    // "each server will vote for at most one candidate in a given term" — votedFor is
    // the "candidateId that received vote in current term".
    const voted = node('follower', { currentTerm: 1, votedFor: 'n2' });
    const { state, outputs } = stepBoth(voted, requestVote('n3', 2, 0, 0));
    expect(state.context.votedFor).toBe('n3');
    expect(state.context.currentTerm).toBe(2);
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 2, voteGranted: true },
    ]);
    // Reference: Figure 2, State (votedFor); §5.2
  });

  it('a response from an older term is dropped: stale votes are not counted', () => {
    // raft.tla DropStaleResponse; §5.1: "If a server receives a request with a stale term
    // number, it rejects the request" — and a stale response answers a question nobody asks.
    const { state: candidate } = stepBoth(node('follower', { currentTerm: 2 }), electionTimeout);
    const { state, outputs } = stepBoth(candidate, voteResponse('n2', 2, true));
    expect(state.role).toBe('candidate');
    expect(state.context.votesGranted).toEqual(['n1']);
    expect(state.context.votesResponded).toEqual(['n1']);
    expect(outputs).toEqual([]);
    // Reference: §5.1; raft.tla DropStaleResponse
  });
});

describe('RequestVote RPC, receiver implementation', () => {
  it('rule 1: rejects a RequestVote from an older term and answers with its own term', () => {
    // "1. Reply false if term < currentTerm (§5.1)"
    const voter = node('follower', { currentTerm: 3 });
    const { state, outputs } = stepBoth(voter, requestVote('n2', 2, 5, 2));
    expect(state).toEqual(voter);
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n2', term: 3, voteGranted: false },
    ]);
    // Reference: Figure 2, RequestVote RPC receiver rule 1; §5.1
  });

  it('rule 2: grants a vote when votedFor is null and the candidate log is up-to-date', () => {
    // "2. If votedFor is null or candidateId, and candidate's log is at least as up-to-date
    // as receiver's log, grant vote (§5.2, §5.4)"
    const voter = node('follower', { currentTerm: 2, log: logOf(1, 2) });
    const { state, outputs } = stepBoth(voter, requestVote('n2', 2, 2, 2));
    expect(state.context.votedFor).toBe('n2');
    expect(state.context.currentTerm).toBe(2);
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n2', term: 2, voteGranted: true },
    ]);
    // Reference: Figure 2, RequestVote RPC receiver rule 2; §5.2
  });

  it('rule 2: grants again to the candidate it already voted for (a retransmitted request)', () => {
    // "2. If votedFor is null or candidateId, and candidate's log is at least as up-to-date
    // as receiver's log, grant vote (§5.2, §5.4)"
    const voter = node('follower', { currentTerm: 2, votedFor: 'n2' });
    const { state, outputs } = stepBoth(voter, requestVote('n2', 2, 0, 0));
    expect(state.context.votedFor).toBe('n2');
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n2', term: 2, voteGranted: true },
    ]);
    // Reference: Figure 2, RequestVote RPC receiver rule 2; §5.2
  });

  it('rule 2: refuses a second candidate in the same term, even after hearing from the leader', () => {
    // "Each server will vote for at most one candidate in a given term, on a
    // first-come-first-served basis" (BUGS.md #2: RV(n2,t2) → AE(n2,t2) → RV(n3,t2)).
    const { state, outputs } = run(node('follower', { currentTerm: 1 }), [
      requestVote('n2', 2, 0, 0),
      appendEntries('n2', { term: 2 }),
      requestVote('n3', 2, 0, 0),
    ]);
    expect(state.context.votedFor).toBe('n2');
    expect(outputs.at(-1)).toEqual({
      type: 'RequestVoteResponse',
      from: 'n1',
      to: 'n3',
      term: 2,
      voteGranted: false,
    });
    // Reference: §5.2; Figure 2, RequestVote RPC receiver rule 2
  });

  it('a rejected vote leaves votedFor null', () => {
    // "If votedFor is null or candidateId, and candidate's log is at least as up-to-date
    // as receiver's log, grant vote" — and otherwise record nothing.
    const voter = node('follower', { currentTerm: 2, log: logOf(1, 2) });
    const { state, outputs } = stepBoth(voter, requestVote('n2', 2, 1, 1));
    expect(state.context.votedFor).toBeNull();
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n2', term: 2, voteGranted: false },
    ]);
    // Reference: Figure 2, RequestVote RPC receiver rule 2; §5.4.1
  });

  it('a candidate has voted for itself and rejects a rival candidate of its term', () => {
    // "On conversion to candidate, start election: Increment currentTerm, Vote for self"
    const { state: candidate } = stepBoth(node('follower', { currentTerm: 1 }), electionTimeout);
    const { state, outputs } = stepBoth(candidate, requestVote('n3', 2, 0, 0));
    expect(state.role).toBe('candidate');
    expect(state.context.votedFor).toBe('n1');
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 2, voteGranted: false },
    ]);
    // Reference: Figure 2, Rules for Servers, Candidates; §5.2
  });
});

describe('§5.4.1 election restriction: which log is more up-to-date', () => {
  it('a later last term wins even when the log is shorter (grant)', () => {
    // "If the logs have last entries with different terms, then the log with the later
    // term is more up-to-date." (BUGS.md #4, too strict: B=[1@1,2@1,3@1], C=[1@1,2@2].)
    const voter = node('follower', { currentTerm: 2, log: logOf(1, 1, 1) });
    const { state, outputs } = stepBoth(voter, requestVote('n3', 3, 2, 2));
    expect(state.context.votedFor).toBe('n3');
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 3, voteGranted: true },
    ]);
    // Reference: §5.4.1
  });

  it('an earlier last term loses even when the log is longer (reject)', () => {
    // "If the logs have last entries with different terms, then the log with the later
    // term is more up-to-date."
    const voter = node('follower', { currentTerm: 2, log: logOf(1, 2) });
    const { state, outputs } = stepBoth(voter, requestVote('n3', 3, 5, 1));
    expect(state.context.currentTerm).toBe(3); // the term rule still applies
    expect(state.context.votedFor).toBeNull();
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 3, voteGranted: false },
    ]);
    // Reference: §5.4.1
  });

  it('same last term: the shorter log loses (reject)', () => {
    // "If the logs end with the same term, then whichever log is longer is more up-to-date."
    const voter = node('follower', { currentTerm: 2, log: logOf(1, 2, 2) });
    const { state, outputs } = stepBoth(voter, requestVote('n2', 3, 2, 2));
    expect(state.context.votedFor).toBeNull();
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n2', term: 3, voteGranted: false },
    ]);
    // Reference: §5.4.1
  });

  it('same last term and same length: "at least as up-to-date" grants', () => {
    // "If the logs end with the same term, then whichever log is longer is more
    // up-to-date" — equal logs are at least as up-to-date.
    const voter = node('follower', { currentTerm: 2, log: logOf(1, 2, 2) });
    const { state, outputs } = stepBoth(voter, requestVote('n2', 3, 3, 2));
    expect(state.context.votedFor).toBe('n2');
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n2', term: 3, voteGranted: true },
    ]);
    // Reference: §5.4.1
  });

  it('a candidate that missed a committed entry cannot win this voter (BUGS.md #4)', () => {
    // "The RequestVote RPC implements this restriction: the RPC includes information about
    // the candidate's log, and the voter denies its vote if its own log is more up-to-date
    // than that of the candidate."
    const voter = node('follower', { currentTerm: 1, log: logOf(1), commitIndex: 1 });
    const { state, outputs } = stepBoth(voter, requestVote('n3', 2, 0, 0));
    expect(state.context.votedFor).toBeNull();
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 2, voteGranted: false },
    ]);
    // Reference: §5.4.1
  });
});

describe('AppendEntries RPC, receiver implementation', () => {
  it('rule 1: rejects an AppendEntries from an older term and keeps its log', () => {
    // "1. Reply false if term < currentTerm (§5.1)"
    const follower = node('follower', { currentTerm: 3, log: logOf(1, 3), leaderId: 'n3' });
    const { state, outputs } = stepBoth(
      follower,
      appendEntries('n2', { term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: logOf(2).slice(0) }),
    );
    expect(state).toEqual(follower);
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 3, success: false, matchIndex: 0 },
    ]);
    // Reference: Figure 2, AppendEntries RPC receiver rule 1; §5.1
  });

  it('rule 2: rejects when the log has no entry at prevLogIndex', () => {
    // "2. Reply false if log doesn't contain an entry at prevLogIndex whose term matches
    // prevLogTerm (§5.3)"
    const follower = node('follower', { currentTerm: 2, log: logOf(1) });
    const { state, outputs } = stepBoth(
      follower,
      appendEntries('n2', { term: 2, prevLogIndex: 3, prevLogTerm: 2, entries: [{ term: 2, value: 'x' }] }),
    );
    expect(state.context.log).toEqual(logOf(1));
    expect(state.context.leaderId).toBe('n2');
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 2, success: false, matchIndex: 0 },
    ]);
    // Reference: Figure 2, AppendEntries RPC receiver rule 2; §5.3
  });

  it('rule 2: rejects when the entry at prevLogIndex has another term', () => {
    // "2. Reply false if log doesn't contain an entry at prevLogIndex whose term matches
    // prevLogTerm (§5.3)"
    const follower = node('follower', { currentTerm: 3, log: logOf(1, 1) });
    const { state, outputs } = stepBoth(
      follower,
      appendEntries('n2', { term: 3, prevLogIndex: 2, prevLogTerm: 2 }),
    );
    expect(state.context.log).toEqual(logOf(1, 1));
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 3, success: false, matchIndex: 0 },
    ]);
    // Reference: Figure 2, AppendEntries RPC receiver rule 2; §5.3
  });

  it('rule 3: a conflicting entry is deleted with all that follow it', () => {
    // "3. If an existing entry conflicts with a new one (same index but different terms),
    // delete the existing entry and all that follow it (§5.3)"
    const follower = node('follower', { currentTerm: 3, log: logOf(1, 2, 2, 2) });
    const entry = { term: 3, value: 'x' };
    const { state, outputs } = stepBoth(
      follower,
      appendEntries('n2', { term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [entry] }),
    );
    expect(state.context.log).toEqual([...logOf(1), entry]);
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 3, success: true, matchIndex: 2 },
    ]);
    // Reference: Figure 2, AppendEntries RPC receiver rule 3; §5.3
  });

  it('rule 4: appends new entries not already in the log', () => {
    // "4. Append any new entries not already in the log"
    const follower = node('follower', { currentTerm: 2, log: logOf(1) });
    const entries = [
      { term: 2, value: 'a' },
      { term: 2, value: 'b' },
    ];
    const { state, outputs } = stepBoth(
      follower,
      appendEntries('n2', { term: 2, prevLogIndex: 1, prevLogTerm: 1, entries }),
    );
    expect(state.context.log).toEqual([...logOf(1), ...entries]);
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 2, success: true, matchIndex: 3 },
    ]);
    // Reference: Figure 2, AppendEntries RPC receiver rule 4; §5.3
  });

  it('rule 4: a delayed request holding entries already in the log does not truncate it', () => {
    // "4. Append any new entries not already in the log" — entries that match are kept,
    // so an old, shorter request arriving late never deletes later entries.
    const follower = node('follower', { currentTerm: 2, log: logOf(1, 2, 2) });
    const { state, outputs } = stepBoth(
      follower,
      appendEntries('n2', { term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: logOf(1, 2) }),
    );
    expect(state.context.log).toEqual(logOf(1, 2, 2));
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 2, success: true, matchIndex: 2 },
    ]);
    // Reference: Figure 2, AppendEntries RPC receiver rule 4; §5.3
  });

  it('rule 5: commitIndex = leaderCommit when the last new entry is beyond it', () => {
    // "5. If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last
    // new entry)"
    const follower = node('follower', { currentTerm: 1 });
    const { state } = stepBoth(
      follower,
      appendEntries('n2', { term: 1, entries: logOf(1, 1, 1), leaderCommit: 2 }),
    );
    expect(state.context.commitIndex).toBe(2);
    // Reference: Figure 2, AppendEntries RPC receiver rule 5; §5.3
  });

  it('rule 5: commitIndex = index of last new entry when leaderCommit is beyond it', () => {
    // "5. If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last
    // new entry)" — the follower's log past the last new entry may not match the leader's.
    const follower = node('follower', { currentTerm: 1, log: logOf(1, 1, 1) });
    const { state } = stepBoth(
      follower,
      appendEntries('n2', { term: 1, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 3 }),
    );
    expect(state.context.commitIndex).toBe(1);
    expect(state.context.log).toEqual(logOf(1, 1, 1));
    // Reference: Figure 2, AppendEntries RPC receiver rule 5; §5.3
  });

  it('rule 5: a leaderCommit at or below commitIndex never lowers it', () => {
    // "5. If leaderCommit > commitIndex, set commitIndex = ..." — otherwise it stays.
    const follower = node('follower', { currentTerm: 1, log: logOf(1, 1, 1), commitIndex: 3 });
    const { state } = stepBoth(
      follower,
      appendEntries('n2', { term: 1, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 1 }),
    );
    expect(state.context.commitIndex).toBe(3);
    // Reference: Figure 2, AppendEntries RPC receiver rule 5; §5.3
  });
});

describe('Rules for Servers: Followers (§5.2)', () => {
  it('on election timeout a follower converts to candidate and starts an election', () => {
    // "If election timeout elapses without receiving AppendEntries RPC from current leader
    // or granting vote to candidate: convert to candidate" and "On conversion to
    // candidate, start election: Increment currentTerm, Vote for self, ..., Send
    // RequestVote RPCs to all other servers"
    const follower = node('follower', { currentTerm: 1, log: logOf(1, 1), leaderId: 'n2' });
    const { state, outputs } = stepBoth(follower, electionTimeout);
    expect(state.role).toBe('candidate');
    expect(state.context.currentTerm).toBe(2);
    expect(state.context.votedFor).toBe('n1');
    expect(state.context.votesGranted).toEqual(['n1']);
    expect(state.context.leaderId).toBeNull();
    expect(outputs).toEqual([
      { type: 'RequestVoteRequest', from: 'n1', to: 'n2', term: 2, lastLogIndex: 2, lastLogTerm: 1 },
      { type: 'RequestVoteRequest', from: 'n1', to: 'n3', term: 2, lastLogIndex: 2, lastLogTerm: 1 },
    ]);
    // Reference: Figure 2, Rules for Servers, Followers and Candidates; §5.2
  });

  it('a follower responds to a leader and remembers it as the current leader', () => {
    // "Respond to RPCs from candidates and leaders"
    const { state, outputs } = stepBoth(freshNode(), appendEntries('n3', { term: 0 }));
    expect(state.context.leaderId).toBe('n3');
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n3', term: 0, success: true, matchIndex: 0 },
    ]);
    // Reference: Figure 2, Rules for Servers, Followers; §5.2
  });

  it('a follower does not accept client requests or send heartbeats', () => {
    // §5.1: "The leader handles all client requests (if a client contacts a follower, the
    // follower redirects it to the leader)." Only leaders send heartbeats.
    const follower = node('follower', { currentTerm: 1, log: logOf(1) });
    const { state, outputs } = run(follower, [clientRequest('x'), heartbeatTimeout]);
    expect(state).toEqual(follower);
    expect(outputs).toEqual([]);
    // Reference: §5.1; Figure 2, Rules for Servers, Followers
  });
});

describe('Rules for Servers: Candidates (§5.2)', () => {
  it('votes from a majority make a candidate leader, which sends empty AppendEntries at once', () => {
    // "If votes received from majority of servers: become leader" and "Upon election:
    // send initial empty AppendEntries RPCs (heartbeat) to each server"
    const { state: candidate } = stepBoth(
      node('follower', { currentTerm: 1, log: logOf(1) }),
      electionTimeout,
    );
    const { state, outputs } = stepBoth(candidate, voteResponse('n3', 2, true));
    expect(state.role).toBe('leader');
    expect(state.context.leaderId).toBe('n1');
    expect(outputs).toEqual([
      {
        type: 'AppendEntriesRequest',
        from: 'n1',
        to: 'n2',
        term: 2,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: [],
        leaderCommit: 0,
      },
      {
        type: 'AppendEntriesRequest',
        from: 'n1',
        to: 'n3',
        term: 2,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: [],
        leaderCommit: 0,
      },
    ]);
    // Reference: Figure 2, Rules for Servers, Candidates and Leaders; §5.2
  });

  it('no majority, no leader: denials and duplicate grants do not add up to a quorum', () => {
    // "A candidate wins an election if it receives votes from a majority of the servers in
    // the full cluster for the same term."
    const five = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const { state: candidate } = stepBoth(
      node('follower', { currentTerm: 1 }, { cluster: five }),
      electionTimeout,
    );
    const { state } = run(candidate, [
      voteResponse('n2', 2, true),
      voteResponse('n2', 2, true), // duplicated grant
      voteResponse('n3', 2, false),
      voteResponse('n4', 2, false),
    ]);
    expect(state.role).toBe('candidate');
    expect(state.context.votesGranted).toEqual(['n1', 'n2']);
    expect(state.context.votesResponded).toEqual(['n1', 'n2', 'n3', 'n4']);
    const { state: elected } = stepBoth(state, voteResponse('n5', 2, true));
    expect(elected.role).toBe('leader');
    // Reference: §5.2; Figure 2, Rules for Servers, Candidates
  });

  it('an AppendEntries from the new leader of its term makes a candidate follower', () => {
    // "If AppendEntries RPC received from new leader: convert to follower"; §5.2: "If the
    // leader's term (included in its RPC) is at least as large as the candidate's current
    // term, then the candidate recognizes the leader as legitimate and returns to follower
    // state."
    const { state: candidate } = stepBoth(node('follower', { currentTerm: 1 }), electionTimeout);
    const entry = { term: 2, value: 'x' };
    const { state, outputs } = stepBoth(candidate, appendEntries('n2', { term: 2, entries: [entry] }));
    expect(state.role).toBe('follower');
    expect(state.context.currentTerm).toBe(2);
    expect(state.context.votedFor).toBe('n1'); // the vote of term 2 stays cast
    expect(state.context.leaderId).toBe('n2');
    expect(state.context.log).toEqual([entry]);
    expect(state.context.votesGranted).toEqual([]);
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 2, success: true, matchIndex: 1 },
    ]);
    // Reference: Figure 2, Rules for Servers, Candidates; §5.2
  });

  it('an AppendEntries from an older term is rejected and the candidate stays candidate', () => {
    // "If the term in the RPC is smaller than the candidate's current term, then the
    // candidate rejects the RPC and continues in candidate state."
    const { state: candidate } = stepBoth(node('follower', { currentTerm: 1 }), electionTimeout);
    const { state, outputs } = stepBoth(candidate, appendEntries('n2', { term: 1 }));
    expect(state).toEqual(candidate);
    expect(outputs).toEqual([
      { type: 'AppendEntriesResponse', from: 'n1', to: 'n2', term: 2, success: false, matchIndex: 0 },
    ]);
    // Reference: §5.2
  });

  it('on election timeout a candidate starts a new election in the next term', () => {
    // "If election timeout elapses: start new election"
    const { state: candidate } = run(node('follower', { currentTerm: 1 }), [
      electionTimeout,
      voteResponse('n2', 2, false),
    ]);
    const { state, outputs } = stepBoth(candidate, electionTimeout);
    expect(state.role).toBe('candidate');
    expect(state.context.currentTerm).toBe(3);
    expect(state.context.votedFor).toBe('n1');
    expect(state.context.votesGranted).toEqual(['n1']);
    expect(state.context.votesResponded).toEqual(['n1']);
    expect(outputs.map((m) => [m.type, m.to, m.term])).toEqual([
      ['RequestVoteRequest', 'n2', 3],
      ['RequestVoteRequest', 'n3', 3],
    ]);
    // Reference: Figure 2, Rules for Servers, Candidates; §5.2
  });
});

describe('Rules for Servers: Leaders (§5.3, §5.4)', () => {
  it('nextIndex and matchIndex are reinitialized after election', () => {
    // "nextIndex[] for each server, index of the next log entry to send to that server
    // (initialized to leader last log index + 1)"; "matchIndex[] ... (initialized to 0,
    // increases monotonically)"; "(Reinitialized after election)"
    const leader = electedLeader(3, logOf(1, 2));
    expect(leader.context.nextIndex).toEqual({ n2: 3, n3: 3 });
    expect(leader.context.matchIndex).toEqual({ n2: 0, n3: 0 });
    // Reference: Figure 2, State, volatile state on leaders
  });

  it('a client command is appended to the leader log in its term and is not committed alone', () => {
    // "If command received from client: append entry to local log, respond after entry
    // applied to state machine (§5.3)"
    const leader = electedLeader(2, logOf(1));
    const { state, outputs } = stepBoth(leader, clientRequest('x'));
    expect(state.context.log).toEqual([...logOf(1), { term: 2, value: 'x' }]);
    expect(state.context.commitIndex).toBe(0);
    expect(outputs).toEqual([]); // replication goes out on the next heartbeat
    // Reference: Figure 2, Rules for Servers, Leaders; §5.3
  });

  it('a single-server cluster commits a client command at once', () => {
    // "If there exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N, and
    // log[N].term == currentTerm: set commitIndex = N" — one server is its own majority.
    const { state: leader } = stepBoth(node('follower', {}, { cluster: ['n1'] }), electionTimeout);
    expect(leader.role).toBe('leader');
    const { state } = stepBoth(leader, clientRequest('x'));
    expect(state.context.commitIndex).toBe(1);
    // Reference: Figure 2, Rules for Servers, Leaders; §5.3, §5.4
  });

  it('AppendEntries carry the log entries starting at each follower nextIndex', () => {
    // "If last log index ≥ nextIndex for a follower: send AppendEntries RPC with log
    // entries starting at nextIndex"
    const leader = electedLeader(2, logOf(1, 1));
    const lagging = { ...leader, context: { ...leader.context, nextIndex: { n2: 3, n3: 2 } } };
    const { state: withEntry } = stepBoth(lagging, clientRequest('x'));
    const { outputs } = stepBoth(withEntry, heartbeatTimeout);
    const x = { term: 2, value: 'x' };
    expect(outputs).toEqual([
      {
        type: 'AppendEntriesRequest',
        from: 'n1',
        to: 'n2',
        term: 2,
        prevLogIndex: 2,
        prevLogTerm: 1,
        entries: [x],
        leaderCommit: 0,
      },
      {
        type: 'AppendEntriesRequest',
        from: 'n1',
        to: 'n3',
        term: 2,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: [logOf(1, 1)[1], x],
        leaderCommit: 0,
      },
    ]);
    // Reference: Figure 2, Rules for Servers, Leaders; §5.3
  });

  it('a successful AppendEntries updates nextIndex and matchIndex and commits on a majority', () => {
    // "If successful: update nextIndex and matchIndex for follower (§5.3)" and "If there
    // exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N, and
    // log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4)."
    const { state: leader } = stepBoth(electedLeader(2), clientRequest('x'));
    const { state } = stepBoth(leader, appendResponse('n2', 2, true, 1));
    expect(state.context.matchIndex).toEqual({ n2: 1, n3: 0 });
    expect(state.context.nextIndex).toEqual({ n2: 2, n3: 1 });
    expect(state.context.commitIndex).toBe(1);
    // Reference: Figure 2, Rules for Servers, Leaders; §5.3
  });

  it('matchIndex increases monotonically: a reordered older success does not lower it', () => {
    // "matchIndex[] ... (initialized to 0, increases monotonically)"
    const leader = run(electedLeader(2), [clientRequest('x'), clientRequest('y')]).state;
    const { state } = run(leader, [appendResponse('n2', 2, true, 2), appendResponse('n2', 2, true, 1)]);
    expect(state.context.matchIndex.n2).toBe(2);
    expect(state.context.nextIndex.n2).toBe(3);
    // Reference: Figure 2, State, volatile state on leaders
  });

  it('a failed AppendEntries decrements nextIndex and the retry starts one entry earlier', () => {
    // "If AppendEntries fails because of log inconsistency: decrement nextIndex and retry
    // (§5.3)"; §5.3: "After a rejection, the leader decrements nextIndex and retries the
    // AppendEntries RPC."
    const leader = electedLeader(3, logOf(1, 2));
    const { state, outputs } = run(leader, [appendResponse('n2', 3, false, 0), heartbeatTimeout]);
    expect(state.context.nextIndex).toEqual({ n2: 2, n3: 3 });
    expect(outputs[0]).toEqual({
      type: 'AppendEntriesRequest',
      from: 'n1',
      to: 'n2',
      term: 3,
      prevLogIndex: 1,
      prevLogTerm: 1,
      entries: [logOf(1, 2)[1]],
      leaderCommit: 0,
    });
    // Reference: Figure 2, Rules for Servers, Leaders; §5.3
  });

  it('nextIndex backs off no further than the first entry', () => {
    // "decrement nextIndex and retry (§5.3)" — nextIndex is an index of the log, at least 1.
    const leader = electedLeader(2, logOf(1));
    const { state } = run(leader, [
      appendResponse('n2', 2, false, 0),
      appendResponse('n2', 2, false, 0),
      appendResponse('n2', 2, false, 0),
    ]);
    expect(state.context.nextIndex.n2).toBe(1);
    // Reference: Figure 2, Rules for Servers, Leaders; §5.3
  });

  it('Figure 8: an entry of an earlier term is not committed by counting replicas', () => {
    // §5.4.2: "Raft never commits log entries from previous terms by counting replicas.
    // Only log entries from the leader's current term are committed by counting replicas;
    // once an entry from the current term has been committed in this way, then all prior
    // entries are committed indirectly because of the Log Matching Property."
    const leader = electedLeader(4, logOf(1, 2));
    const { state: replicated } = stepBoth(leader, appendResponse('n2', 4, true, 2));
    expect(replicated.context.matchIndex.n2).toBe(2);
    expect(replicated.context.commitIndex).toBe(0); // entry 2 is from term 2, a majority is not enough
    const { state } = run(replicated, [clientRequest('x'), appendResponse('n2', 4, true, 3)]);
    expect(state.context.commitIndex).toBe(3); // entries 1 and 2 are committed indirectly
    // Reference: §5.4.2, Figure 8
  });

  it('a leader ignores election timeouts and sends heartbeats on heartbeat timeouts', () => {
    // "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each server;
    // repeat during idle periods to prevent election timeouts (§5.2)"
    const leader = electedLeader(2, logOf(1));
    const { state: same, outputs: none } = stepBoth(leader, electionTimeout);
    expect(same).toEqual(leader);
    expect(none).toEqual([]);
    const { outputs } = stepBoth(leader, heartbeatTimeout);
    expect(outputs).toEqual(
      ['n2', 'n3'].map((to) => ({
        type: 'AppendEntriesRequest',
        from: 'n1',
        to,
        term: 2,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: [],
        leaderCommit: 0,
      })),
    );
    // Reference: Figure 2, Rules for Servers, Leaders; §5.2
  });
});

describe('Persistent and volatile state: crash and restart', () => {
  it('a crash keeps exactly currentTerm, votedFor and log and loses the volatile state', () => {
    // Figure 2, State: "Persistent state on all servers: (Updated on stable storage before
    // responding to RPCs) currentTerm, votedFor, log[]"; "Volatile state on all servers:
    // commitIndex, lastApplied"; "Volatile state on leaders: nextIndex[], matchIndex[]"
    const leader = run(electedLeader(2, logOf(1)), [
      clientRequest('x'),
      appendResponse('n2', 2, true, 2),
    ]).state;
    expect(leader.context.commitIndex).toBe(2);
    const { state: crashed, outputs } = stepBoth(leader, crash);
    expect(outputs).toEqual([]);
    expect(crashed.role).toBe('crashed');
    const { currentTerm, votedFor, log } = leader.context;
    expect(crashed.context).toEqual({
      ...node('follower').context,
      currentTerm,
      votedFor,
      log,
    });
    const { state: restarted } = stepBoth(crashed, restart);
    expect(restarted.role).toBe('follower');
    expect(restarted.context).toEqual(crashed.context);
    // Reference: Figure 2, State; §5.1
  });

  it('a crashed node does nothing until it restarts', () => {
    // Crashes are fail-stop: "If a follower or candidate crashes, then future RequestVote
    // and AppendEntries RPCs sent to it will fail." (§5.5)
    const { state: crashed } = stepBoth(node('follower', { currentTerm: 2 }), crash);
    const { state, outputs } = run(crashed, [
      electionTimeout,
      heartbeatTimeout,
      clientRequest('x'),
      requestVote('n2', 3, 0, 0),
      appendEntries('n2', { term: 3 }),
      crash,
    ]);
    expect(state).toEqual(crashed);
    expect(outputs).toEqual([]);
    // Reference: §5.5
  });

  it('a vote survives a crash: the restarted server refuses a second candidate (BUGS.md #1)', () => {
    // "Persistent state on all servers: (Updated on stable storage before responding to
    // RPCs)" — votedFor included, so a restart cannot grant a second vote in the term.
    const { outputs } = run(node('follower', { currentTerm: 1 }), [
      requestVote('n2', 2, 0, 0),
      crash,
      restart,
      requestVote('n3', 2, 0, 0),
    ]);
    expect(outputs).toEqual([
      { type: 'RequestVoteResponse', from: 'n1', to: 'n2', term: 2, voteGranted: true },
      { type: 'RequestVoteResponse', from: 'n1', to: 'n3', term: 2, voteGranted: false },
    ]);
    // Reference: Figure 2, State; §5.2
  });

  it('a node restarted from persistent state starts as a follower with commitIndex 0', () => {
    // "When servers start up, they begin as followers." (§5.2)
    const { state } = run(
      node('follower', { currentTerm: 3, votedFor: 'n2', log: logOf(1, 3), commitIndex: 2 }),
      [crash, restart],
    );
    expect(state.role).toBe('follower');
    expect(state.context.commitIndex).toBe(0);
    expect(state.context.currentTerm).toBe(3);
    expect(state.context.votedFor).toBe('n2');
    expect(state.context.log).toEqual(logOf(1, 3));
    // Reference: §5.2; Figure 2, State
  });
});
