import {
  type AppendEntriesRequest,
  type LogEntry,
  lastLogIndex,
  lastLogTerm,
  type Message,
  type NodeId,
  type NodeInput,
  type NodeState,
  type PreVoteResponse,
  termAt,
} from '../../models/index.ts';

/**
 * The inputs offered to the node under test at each state of the node-level search, with
 * full payloads (xstate/graph would otherwise invent payload-less events). Payloads are
 * drawn from classes relative to the node's own state, so that every class is offered in
 * every state:
 *
 * - message term: lower / equal / higher than currentTerm;
 * - a candidate's log against the voter's: behind or ahead by last term, behind or ahead
 *   by length, equal (§5.4.1);
 * - AppendEntries: prevLog match / mismatch / beyond end; entries none / new / duplicate /
 *   conflicting (Figure 2, AppendEntries receiver rules 2–4);
 * - votedFor none / self / this candidate / another follows from the sender (`n2` is "this
 *   candidate" once the node voted for it, `n3` "another").
 *
 * The node under test is `n1` of a 3-node cluster; `n2` plays the leader or candidate,
 * `n3` a second candidate.
 */

export const NODE: NodeId = 'n1';
export const CLUSTER: readonly NodeId[] = ['n1', 'n2', 'n3'];
const PEER: NodeId = 'n2';
const OTHER: NodeId = 'n3';
/** The value a client proposes to the node; `y` for entries a leader sends it. */
export const CLIENT_VALUE = 'x';
const LEADER_VALUE = 'y';

/**
 * Term classes of an incoming message: lower, equal, higher than currentTerm. Every
 * message carries a term ≥ 1: nobody campaigns or leads in term 0, and a reply carries
 * a term at least that of the request it answers.
 */
function termsAround(term: number): number[] {
  return [term - 1, term, term + 1].filter((t) => t >= 1);
}

function receive(message: Message): NodeInput {
  return { type: 'Receive', message };
}

/** Candidate logs (lastLogIndex, lastLogTerm) relative to the voter's log, for a request of term `term`. */
export function candidateLogs(
  log: readonly LogEntry[],
  term: number,
): { lastLogIndex: number; lastLogTerm: number }[] {
  const index = lastLogIndex(log);
  const last = lastLogTerm(log);
  const logs = [
    { lastLogIndex: index, lastLogTerm: last }, // equal
    { lastLogIndex: index + 1, lastLogTerm: Math.max(last, 1) }, // ahead by length (or by term from empty)
  ];
  if (last + 1 <= term) logs.push({ lastLogIndex: index, lastLogTerm: last + 1 }); // ahead by last term
  if (index >= 2 || (index === 1 && last === 0)) logs.push({ lastLogIndex: index - 1, lastLogTerm: last }); // behind by length
  if (last >= 1) logs.push({ lastLogIndex: index + 1, lastLogTerm: last - 1 }); // behind by last term, though longer
  // A candidate's last entry is from a term no later than the term it campaigns in.
  return logs.filter((l) => (l.lastLogIndex === 0) === (l.lastLogTerm === 0) && l.lastLogTerm <= term);
}

/**
 * AppendEntries a leader of `term` could send. A real leader holds every committed entry
 * (Leader Completeness, §5.4), so no request contradicts the receiver's committed prefix:
 * mismatches and conflicts are offered only above `commitIndex` (an implementation may
 * rightly refuse to truncate a committed entry, as etcd's raftLog panics).
 */
function appendEntriesRequests(
  log: readonly LogEntry[],
  term: number,
  commitIndex: number,
): AppendEntriesRequest[] {
  const index = lastLogIndex(log);
  const last = lastLogTerm(log);
  const base = { type: 'AppendEntriesRequest' as const, from: PEER, to: NODE, term };
  const requests: AppendEntriesRequest[] = [
    // prevLog matches, no entries (a heartbeat)
    { ...base, prevLogIndex: index, prevLogTerm: last, entries: [], leaderCommit: index },
    // prevLog beyond the end of the log
    { ...base, prevLogIndex: index + 1, prevLogTerm: Math.max(term, 1), entries: [], leaderCommit: 0 },
  ];
  // Entries carry a term ≥ 1 (no leader exists in term 0).
  if (term === 0) return requests;
  // prevLog matches, one new entry, committed by the leader
  requests.push({
    ...base,
    prevLogIndex: index,
    prevLogTerm: last,
    entries: [{ term, value: LEADER_VALUE }],
    leaderCommit: index + 1,
  });
  if (index >= 1) {
    const before = termAt(log, index - 1) ?? 0;
    // an entry the log already has (a duplicate)
    requests.push({
      ...base,
      prevLogIndex: index - 1,
      prevLogTerm: before,
      entries: [log[index - 1]],
      leaderCommit: index,
    });
  }
  if (index >= 1 && index > commitIndex) {
    const before = termAt(log, index - 1) ?? 0;
    // prevLog present with another term
    requests.push({
      ...base,
      prevLogIndex: index,
      prevLogTerm: last > 1 ? last - 1 : last + 1,
      entries: [],
      leaderCommit: 0,
    });
    // an entry conflicting with the last one (same index, other term)
    if (term !== last && term >= before) {
      requests.push({
        ...base,
        prevLogIndex: index - 1,
        prevLogTerm: before,
        entries: [{ term, value: LEADER_VALUE }],
        leaderCommit: 0,
      });
    }
  }
  return requests;
}

/** Every input offered to the node in this state (deterministic order). */
export function nodeInputs(state: NodeState): NodeInput[] {
  const c = state.context;
  const t = c.currentTerm;
  const inputs: NodeInput[] = [
    { type: 'ElectionTimeout' },
    { type: 'HeartbeatTimeout' },
    { type: 'ClientRequest', value: CLIENT_VALUE },
    { type: 'Crash' },
    { type: 'Restart' },
    ...voteRequestInputs(c),
    ...voteResponseInputs(c),
    ...appendRequestInputs(state),
    ...appendResponseInputs(c),
  ];
  // appendBelowCommit=reply-commit: a heartbeat probing from index 0 (a leader whose nextIndex
  // lags), below commitIndex, so that the answer names commitIndex (etcd raft.go:1374-1377).
  if (c.features.appendBelowCommit === 'reply-commit' && c.commitIndex > 0 && state.role !== 'leader')
    inputs.push(receive(probeFromStart(t)));
  if (c.features.preVote) inputs.push(...preVoteInputs(state));
  return inputs;
}

/** RequestVote from the peer (each candidate log around each term) and from another server. */
function voteRequestInputs(c: NodeState['context']): NodeInput[] {
  const t = c.currentTerm;
  const index = lastLogIndex(c.log);
  const inputs: NodeInput[] = [];
  for (const term of termsAround(t)) {
    for (const log of candidateLogs(c.log, term)) {
      inputs.push(receive({ type: 'RequestVoteRequest', from: PEER, to: NODE, term, ...log }));
    }
  }
  for (const term of [t, t + 1].filter((x) => x >= 1)) {
    const equal = { lastLogIndex: index, lastLogTerm: lastLogTerm(c.log) };
    inputs.push(receive({ type: 'RequestVoteRequest', from: OTHER, to: NODE, term, ...equal }));
  }
  return inputs;
}

/** Vote replies around the current term: granted, refused, and the votes that win or lose it. */
function voteResponseInputs(c: NodeState['context']): NodeInput[] {
  const t = c.currentTerm;
  const inputs: NodeInput[] = [];
  for (const term of termsAround(t)) {
    inputs.push(
      receive({ type: 'RequestVoteResponse', from: PEER, to: NODE, term, voteGranted: term !== t + 1 }),
    );
    if (term === t) {
      inputs.push(receive({ type: 'RequestVoteResponse', from: PEER, to: NODE, term, voteGranted: false }));
      inputs.push(receive({ type: 'RequestVoteResponse', from: OTHER, to: NODE, term, voteGranted: true }));
      // yieldOnLostElection: a second refusal, so that the election is lost (etcd VoteLost).
      if (c.features.yieldOnLostElection)
        inputs.push(
          receive({ type: 'RequestVoteResponse', from: OTHER, to: NODE, term, voteGranted: false }),
        );
    }
  }
  return inputs;
}

/** AppendEntries around the current term (none from another leader of the leader's own term). */
function appendRequestInputs(state: NodeState): NodeInput[] {
  const c = state.context;
  const t = c.currentTerm;
  const inputs: NodeInput[] = [];
  for (const term of termsAround(t)) {
    // Election Safety: no other leader of the leader's own term exists to send it AppendEntries.
    if (state.role === 'leader' && term === t) continue;
    inputs.push(...appendEntriesRequests(c.log, term, c.commitIndex).map(receive));
  }
  return inputs;
}

/** AppendEntries replies around the current term, with the variants the switches add. */
function appendResponseInputs(c: NodeState['context']): NodeInput[] {
  const t = c.currentTerm;
  const index = lastLogIndex(c.log);
  const inputs: NodeInput[] = [];
  for (const term of termsAround(t)) {
    const response = { type: 'AppendEntriesResponse' as const, from: PEER, to: NODE, term };
    inputs.push(receive({ ...response, success: term !== t + 1, matchIndex: term !== t + 1 ? index : 0 }));
    if (term === t) inputs.push(receive({ ...response, success: false, matchIndex: 0 }));
    // backoff=hint: a rejection naming the follower's last index (an empty log).
    if (term === t && c.features.backoff === 'hint')
      inputs.push(receive({ ...response, success: false, matchIndex: 0, rejectHint: 0 }));
    // appendMatchFrom=request: a success answering a request for the whole log.
    if (term === t && c.features.appendMatchFrom === 'request')
      inputs.push(
        receive({
          ...response,
          success: true,
          matchIndex: 0,
          inReplyTo: { prevLogIndex: 0, entries: index },
        }),
      );
    // noOpAfterFirstAppend: a success to the empty first AppendEntries, up to the entry before the last.
    if (term === t && c.features.noOpAfterFirstAppend && index > 0)
      inputs.push(receive({ ...response, success: true, matchIndex: index - 1 }));
  }
  return inputs;
}

/** An AppendEntries of the node's term with prevLogIndex 0 and no entries: it matches any log. */
function probeFromStart(term: number): AppendEntriesRequest {
  return {
    type: 'AppendEntriesRequest',
    from: PEER,
    to: NODE,
    term,
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    leaderCommit: 0,
  };
}

/** Thesis §9.6: pre-vote requests carry the proposed term; grants echo it. */
function preVoteInputs(state: NodeState): NodeInput[] {
  const c = state.context;
  const t = c.currentTerm;
  const inputs: NodeInput[] = [];
  const equal = { lastLogIndex: lastLogIndex(c.log), lastLogTerm: lastLogTerm(c.log) };
  for (const term of termsAround(t)) {
    const logs = term === t + 1 ? candidateLogs(c.log, term) : [equal];
    for (const log of logs)
      inputs.push(receive({ type: 'PreVoteRequest', from: PEER, to: NODE, term, ...log }));
  }
  const response = { type: 'PreVoteResponse' as const, to: NODE };
  const responses: PreVoteResponse[] = [
    { ...response, from: PEER, term: t + 1, voteGranted: true },
    { ...response, from: OTHER, term: t + 1, voteGranted: true },
    { ...response, from: PEER, term: t, voteGranted: false },
    { ...response, from: PEER, term: t, voteGranted: true },
    { ...response, from: PEER, term: t + 1, voteGranted: false },
    { ...response, from: PEER, term: t - 1, voteGranted: false },
  ];
  // yieldOnLostElection: a second refusal, so that the pre-vote round is lost (etcd VoteLost).
  if (c.features.yieldOnLostElection)
    responses.push({ ...response, from: OTHER, term: t, voteGranted: false });
  inputs.push(...responses.filter((m) => m.term >= 1).map(receive));
  return inputs;
}
