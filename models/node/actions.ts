import type {
  AppendEntriesRequest,
  AppendEntriesResponse,
  ClientRequest,
  Message,
  NodeId,
  PreVoteRequest,
  RequestVoteRequest,
} from '../types.ts';
import { type NodeContext, peersOf, withOutbox } from './context.ts';
import type { NodeEvent } from './events.ts';
import { lastIndexOfRequest, lastLogIndex, lastLogTerm, mergeEntries, termAt } from './log.ts';
import { timerUpdates, withFreshTimers } from './timers.ts';

/**
 * The actions of the node statechart: pure updates `(context, event) → context`, named
 * after the rule they carry out. Sending a message appends it to `outbox`; nothing is
 * executed. The machine wraps each in XState's `assign`; the compiled step engine calls
 * them directly.
 */
export type Update = (context: NodeContext, event: NodeEvent) => NodeContext;

function received(event: NodeEvent): Message {
  if (event.type !== 'Receive') throw new Error(`action expects a Receive input, got ${event.type}`);
  return event.message;
}

function send(context: NodeContext, messages: readonly Message[]): NodeContext {
  if (messages.length === 0) return context;
  // Outboxes are never mutated, so a fresh `messages` array can become the outbox itself.
  return withOutbox(context, context.outbox.length === 0 ? messages : context.outbox.concat(messages));
}

function addVoter(voters: readonly NodeId[], id: NodeId): readonly NodeId[] {
  return voters.includes(id) ? voters : [...voters, id].sort();
}

// ---------------------------------------------------------------- the term rule (§5.1)

/**
 * Figure 2, Rules for All Servers: "set currentTerm = T, convert to follower". A new term
 * means a new vote (votedFor is per term) and no known leader; candidate and leader
 * bookkeeping from the old term is dropped.
 */
export const updateTerm: Update = (context, event) => ({
  ...context,
  currentTerm: received(event).term,
  votedFor: null,
  leaderId: null,
  votesGranted: [],
  votesResponded: [],
  nextIndex: {},
  matchIndex: {},
  heardFrom: [],
});

/**
 * The term a refused pre-vote carries: the voter's currentTerm (thesis §9.6, so that a
 * pre-candidate behind learns the term), or with `preVoteRefusalTerm: 'echo'` the request's.
 */
function preVoteRefusalTerm(context: NodeContext, request: Message): number {
  return context.features.preVoteRefusalTerm === 'echo' ? request.term : context.currentTerm;
}

/** Figure 2, receiver rule 1: "Reply false if term < currentTerm". The reply carries currentTerm. */
export const rejectStaleRequest: Update = (context, event) => {
  const request = received(event);
  const envelope = { from: context.id, to: request.from, term: context.currentTerm };
  switch (request.type) {
    case 'RequestVoteRequest':
      return send(context, [{ type: 'RequestVoteResponse', ...envelope, voteGranted: false }]);
    case 'PreVoteRequest':
      return send(context, [
        {
          type: 'PreVoteResponse',
          ...envelope,
          term: preVoteRefusalTerm(context, request),
          voteGranted: false,
        },
      ]);
    case 'AppendEntriesRequest':
      return send(context, [{ type: 'AppendEntriesResponse', ...envelope, success: false, matchIndex: 0 }]);
    default:
      return context;
  }
};

/** raft.tla DropStaleResponse: ignore it. */
export const dropStaleResponse: Update = (context) => context;

/** Leader stickiness, `any-term` (thesis §4.2.3): neither update the term nor answer (etcd `inLease`). */
export const ignoreDisruptiveRequest: Update = (context) => context;

/**
 * Leader stickiness, `any-term-reply` (thesis §4.2.3): keep the term, answer the RequestVote
 * "not granted" with the voter's own currentTerm (canonical recv_request_vote.c:102
 * `result->term = r->current_term`; hashicorp raft.go:1397 `Term: r.getCurrentTerm()`). The
 * candidate, at a higher term, drops the answer as stale.
 */
export const refuseDisruptiveVote: Update = (context, event) => rejectVote(context, received(event));

// ---------------------------------------------------------------- elections (§5.2)

/**
 * Figure 2, Candidates: "On conversion to candidate, start election: increment
 * currentTerm, vote for self, reset election timer, send RequestVote RPCs to all other
 * servers". (The timer's reset is `resetElectionTimer`, models/node/timers.ts.)
 */
export const startElection: Update = (context) => ({
  ...context,
  currentTerm: context.currentTerm + 1,
  votedFor: context.id,
  leaderId: null,
  votesGranted: [context.id],
  votesResponded: [context.id],
});

/** Figure 2, Candidates: "Send RequestVote RPCs to all other servers", with the candidate's last log index and term (§5.4.1). */
export const broadcastRequestVote: Update = (context) =>
  send(
    context,
    peersOf(context).map((to) => ({
      type: 'RequestVoteRequest',
      from: context.id,
      to,
      term: context.currentTerm,
      lastLogIndex: lastLogIndex(context.log),
      lastLogTerm: lastLogTerm(context.log),
    })),
  );

/** Thesis §9.6: a pre-candidate asks for votes in currentTerm + 1 without changing its own term. */
export const startPreVote: Update = (context) => ({
  ...context,
  leaderId: null,
  votesGranted: [context.id],
  votesResponded: [context.id],
});

/** Thesis §9.6: ask every other server for a pre-vote for currentTerm + 1, with the last log index and term. */
export const broadcastPreVote: Update = (context) =>
  send(
    context,
    peersOf(context).map((to) => ({
      type: 'PreVoteRequest',
      from: context.id,
      to,
      term: context.currentTerm + 1,
      lastLogIndex: lastLogIndex(context.log),
      lastLogTerm: lastLogTerm(context.log),
    })),
  );

/** Figure 2, RequestVote receiver rule 2: grant the vote, and remember it (persistent). */
export const grantVote: Update = (context, event) => {
  const request = event as RequestVoteRequest;
  return send({ ...context, votedFor: request.from }, [
    {
      type: 'RequestVoteResponse',
      from: context.id,
      to: request.from,
      term: context.currentTerm,
      voteGranted: true,
    },
  ]);
};

/** Figure 2, RequestVote RPC: reply voteGranted = false with currentTerm (§5.2, §5.4); votedFor is unchanged. */
export const rejectVote: Update = (context, event) => {
  const request = event as RequestVoteRequest;
  return send(context, [
    {
      type: 'RequestVoteResponse',
      from: context.id,
      to: request.from,
      term: context.currentTerm,
      voteGranted: false,
    },
  ]);
};

/** Thesis §9.6: a pre-vote grant echoes the proposed term and changes nothing on the voter. */
export const grantPreVote: Update = (context, event) => {
  const request = event as PreVoteRequest;
  return send(context, [
    { type: 'PreVoteResponse', from: context.id, to: request.from, term: request.term, voteGranted: true },
  ]);
};

/** Thesis §9.6: refuse a pre-vote, replying with the voter's currentTerm so that a pre-candidate behind learns the term (or, by the preVoteRefusalTerm switch, the request's). */
export const rejectPreVote: Update = (context, event) => {
  const request = event as PreVoteRequest;
  return send(context, [
    {
      type: 'PreVoteResponse',
      from: context.id,
      to: request.from,
      term: preVoteRefusalTerm(context, request),
      voteGranted: false,
    },
  ]);
};

/** raft.tla HandleRequestVoteResponse: votesResponded and votesGranted grow. */
export const recordGrantedVote: Update = (context, event) => {
  const from = (event as Message).from;
  return {
    ...context,
    votesGranted: addVoter(context.votesGranted, from),
    votesResponded: addVoter(context.votesResponded, from),
  };
};

/** raft.tla HandleRequestVoteResponse: a refusal adds the voter to votesResponded only. */
export const recordDeniedVote: Update = (context, event) => ({
  ...context,
  votesResponded: addVoter(context.votesResponded, (event as Message).from),
});

/**
 * Figure 2, Leaders: "reinitialized after election": nextIndex = leader last log index + 1,
 * matchIndex = 0 for each server.
 */
export const becomeLeader: Update = (context) => {
  const nextIndex: Record<NodeId, number> = {};
  const matchIndex: Record<NodeId, number> = {};
  for (const peer of peersOf(context)) {
    nextIndex[peer] = lastLogIndex(context.log) + 1;
    matchIndex[peer] = 0;
  }
  return { ...context, nextIndex, matchIndex, leaderId: context.id, votesGranted: [], votesResponded: [] };
};

/**
 * Thesis §6.4 (and §8): "a leader must have the latest information on which entries are
 * committed … Raft handles this by having each leader commit a blank no-op entry into the
 * log at the start of its term". Appended after `becomeLeader` (whose nextIndex stays at the
 * old last index + 1), so the first AppendEntries carry it, as etcd's `becomeLeader` →
 * `appendEntry(pb.Entry{Data: nil})` does; with noOpAfterFirstAppend, after those (empty)
 * requests went out. Only with the leaderNoOp feature.
 */
export const appendLeaderNoOp: Update = (context) => ({
  ...context,
  log: [...context.log, { term: context.currentTerm, value: '' }],
});

// ---------------------------------------------------------------- replication (§5.3, §5.4)

/** The AppendEntries a leader sends `to`: the entries from its nextIndex on (Figure 2, AppendEntries RPC arguments). */
function appendEntriesTo(context: NodeContext, to: NodeId): AppendEntriesRequest {
  const prevLogIndex = context.nextIndex[to] - 1;
  return {
    type: 'AppendEntriesRequest',
    from: context.id,
    to,
    term: context.currentTerm,
    prevLogIndex,
    prevLogTerm: termAt(context.log, prevLogIndex) ?? 0,
    entries: context.log.slice(prevLogIndex),
    leaderCommit: context.commitIndex,
  };
}

/**
 * Figure 2, Leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to
 * each server; repeat during idle periods" and "If last log index ≥ nextIndex for a
 * follower: send AppendEntries RPC with log entries starting at nextIndex".
 */
export const sendAppendEntries: Update = (context) =>
  send(
    context,
    peersOf(context).map((to) => appendEntriesTo(context, to)),
  );

/**
 * The noOpAfterFirstAppend switch: Figure 2, Leaders: "If last log index ≥ nextIndex for a
 * follower: send AppendEntries RPC with log entries starting at nextIndex", to the follower whose
 * success just arrived (hashicorp replication.go:156-157, 209: the round the no-op's trigger,
 * raft.go:1088, starts). Taken after `recordReplication`, so nextIndex is the no-op's index.
 */
export const sendAppendEntriesToResponder: Update = (context, event) =>
  send(context, [appendEntriesTo(context, (event as AppendEntriesResponse).from)]);

/** Figure 2, Leaders: "If command received from client: append entry to local log". */
export const appendClientEntry: Update = (context, event) => ({
  ...context,
  log: [...context.log, { term: context.currentTerm, value: (event as ClientRequest).value }],
});

/**
 * Figure 2, Candidates: "If AppendEntries RPC received from new leader: convert to
 * follower". The election bookkeeping of the lost campaign is dropped.
 */
export const becomeFollower: Update = (context) => ({
  ...context,
  votesGranted: [],
  votesResponded: [],
  nextIndex: {},
  matchIndex: {},
  heardFrom: [],
});

/** §5.2: "If the leader's term is at least as large as the candidate's current term, then
 * the candidate recognizes the leader as legitimate". */
export const recognizeLeader: Update = (context, event) => {
  const from = (event as AppendEntriesRequest).from;
  return context.leaderId === from ? context : { ...context, leaderId: from };
};

/** Figure 2, AppendEntries receiver rules 3 and 4: truncate a conflicting suffix, append new entries. */
export const appendEntries: Update = (context, event) => {
  const request = event as AppendEntriesRequest;
  const log = mergeEntries(context.log, request.prevLogIndex, request.entries);
  return log === context.log ? context : { ...context, log };
};

/**
 * Figure 2, AppendEntries receiver rule 5: "If leaderCommit > commitIndex, set commitIndex =
 * min(leaderCommit, index of last new entry)". A delayed request whose last new entry lies
 * below commitIndex never lowers it.
 */
export const advanceFollowerCommit: Update = (context, event) => {
  const request = event as AppendEntriesRequest;
  if (request.leaderCommit <= context.commitIndex) return context;
  const lastNew = request.prevLogIndex + request.entries.length;
  const commitIndex = Math.max(context.commitIndex, Math.min(request.leaderCommit, lastNew));
  return commitIndex === context.commitIndex ? context : { ...context, commitIndex };
};

/**
 * Figure 2, AppendEntries results: success = true with currentTerm, and (as raft.tla's
 * mmatchIndex) the index of the last entry now known to match; with the appendMatchFrom
 * switch, `request`, only Figure 2's term and success, the request it answers riding along
 * as an RPC layer's correlation.
 */
export const replyAppendSuccess: Update = (context, event) => {
  const request = event as AppendEntriesRequest;
  return answerAppend(context, request, { success: true, ...acknowledgement(context, request) });
};

/**
 * Figure 2, AppendEntries results: the reply to `request`, with currentTerm "for leader to
 * update itself". One object literal with one spread: building the envelope apart and
 * spreading it too made the compiled step 1.5-2x slower (bench/ab.sh, 2026-12-06).
 */
function answerAppend(
  context: NodeContext,
  request: AppendEntriesRequest,
  outcome: Pick<AppendEntriesResponse, 'success' | 'matchIndex' | 'inReplyTo' | 'rejectHint'>,
): NodeContext {
  return send(context, [
    {
      type: 'AppendEntriesResponse',
      from: context.id,
      to: request.from,
      term: context.currentTerm,
      ...outcome,
    },
  ]);
}

/** What a success says about the follower's log: its claim (matchIndex), or under `appendMatchFrom: 'request'` none but the request answered. */
function acknowledgement(
  context: NodeContext,
  request: AppendEntriesRequest,
): Pick<AppendEntriesResponse, 'matchIndex' | 'inReplyTo'> {
  const matched = request.prevLogIndex + request.entries.length;
  if (context.features.appendMatchFrom !== 'request') return { matchIndex: matched };
  return {
    matchIndex: 0,
    inReplyTo: { prevLogIndex: request.prevLogIndex, entries: request.entries.length },
  };
}

/**
 * The appendBelowCommit switch, `reply-commit` (etcd raft.go:1375 `MsgAppResp Index:
 * committed`): success with matchIndex = commitIndex, the log left as it is. True by Leader
 * Completeness (§5.4): the entries up to commitIndex are in the log of this leader.
 */
export const replyAppendAtCommit: Update = (context, event) =>
  answerAppend(context, event as AppendEntriesRequest, { success: true, matchIndex: context.commitIndex });

/** Figure 2, AppendEntries receiver rule 2: "Reply false if log doesn't contain an entry at
 * prevLogIndex whose term matches prevLogTerm (§5.3)". */
export const replyAppendFailure: Update = (context, event) =>
  answerAppend(context, event as AppendEntriesRequest, {
    success: false,
    matchIndex: 0,
    ...rejectHintOf(context),
  });

/**
 * The backoff switch, `hint`: a rejection carries the follower's last index (etcd
 * `RejectHint: r.raftLog.lastIndex()`, hashicorp `LastLog`), so the leader can skip the
 * indexes the follower does not hold.
 */
function rejectHintOf(context: NodeContext): { rejectHint?: number } {
  return context.features.backoff === 'hint' ? { rejectHint: lastLogIndex(context.log) } : {};
}

/** matchIndex of `from` raised to `acknowledged` (never lowered: a reordered reply cannot move it back), nextIndex right after it. */
export function withMatch(context: NodeContext, from: NodeId, acknowledged: number): NodeContext {
  const match = Math.max(context.matchIndex[from] ?? 0, acknowledged);
  return {
    ...context,
    matchIndex: { ...context.matchIndex, [from]: match },
    nextIndex: { ...context.nextIndex, [from]: match + 1 },
  };
}

/** Figure 2, Leaders: "If successful: update nextIndex and matchIndex for follower (§5.3)". */
export const recordReplication: Update = (context, event) => {
  const response = event as AppendEntriesResponse;
  return withMatch(context, response.from, response.matchIndex);
};

/**
 * The appendMatchFrom switch, `request`: Figure 2, Leaders: "If successful: update nextIndex and
 * matchIndex for follower (§5.3)", the match being the last entry of the request the success
 * answers (its consistency check passed at prevLogIndex and it stored the entries: §5.3 Log
 * Matching), as hashicorp/raft 1.1.2 replication.go:589 `updateLastAppended` reads `req`.
 */
export const recordRequestReplication: Update = (context, event) => {
  const response = event as AppendEntriesResponse;
  return withMatch(
    context,
    response.from,
    lastIndexOfRequest(response.inReplyTo ?? { prevLogIndex: 0, entries: 0 }),
  );
};

/**
 * The lowest nextIndex a rejection may set: 1, or with the ignoreStaleRejections switch
 * matchIndex + 1 (etcd `MaybeDecrTo`: a rejection of an index at or below Match is stale,
 * the entries up to matchIndex are known to match).
 */
function backOffFloor(context: NodeContext, from: NodeId): number {
  return context.features.ignoreStaleRejections ? (context.matchIndex[from] ?? 0) + 1 : 1;
}

function withNextIndex(context: NodeContext, from: NodeId, next: number): NodeContext {
  return { ...context, nextIndex: { ...context.nextIndex, [from]: next } };
}

/** Figure 2, Leaders: "If AppendEntries fails because of log inconsistency: decrement nextIndex and retry (§5.3)". */
export const backOffNextIndex: Update = (context, event) => {
  const from = (event as AppendEntriesResponse).from;
  return withNextIndex(
    context,
    from,
    Math.max(backOffFloor(context, from), (context.nextIndex[from] ?? 1) - 1),
  );
};

/**
 * The backoff switch, `hint` (§5.3 optimization): nextIndex = min(nextIndex − 1, rejectHint + 1),
 * never below the floor (etcd `MaybeDecrTo`: Next = min(rejected, last + 1); hashicorp:
 * max(min(nextIndex − 1, LastLog + 1), 1)).
 */
export const backOffToHint: Update = (context, event) => {
  const response = event as AppendEntriesResponse;
  const from = response.from;
  const hinted = Math.min((context.nextIndex[from] ?? 1) - 1, (response.rejectHint ?? 0) + 1);
  return withNextIndex(context, from, Math.max(backOffFloor(context, from), hinted));
};

// ---------------------------------------------------------------- CheckQuorum (thesis §6.2)

/** CheckQuorum: a leader starts a round of its quorum check having heard only from itself (no-op without the switch). */
export const startQuorumCheck: Update = (context) =>
  context.features.checkQuorum ? { ...context, heardFrom: [context.id] } : context;

/** CheckQuorum: any AppendEntries response of the leader's term shows the follower is there (etcd `RecentActive`). */
export const noteHeardFrom: Update = (context, event) => {
  const from = (event as AppendEntriesResponse).from;
  if (!context.features.checkQuorum || context.heardFrom.includes(from)) return context;
  return { ...context, heardFrom: addVoter(context.heardFrom, from) };
};

/**
 * CheckQuorum (thesis §6.2): the leader steps down to follower in the same term; its vote
 * stays (votedFor is per term), its leader bookkeeping goes (etcd `becomeFollower(r.Term, None)`).
 */
export const stepDownOnLostQuorum: Update = (context) => ({
  ...context,
  leaderId: null,
  nextIndex: {},
  matchIndex: {},
  heardFrom: [],
});

/**
 * The N of Figure 2, Leaders: the highest index replicated on a majority (the leader
 * counts itself) whose entry is from the current term, if above commitIndex.
 */
export function commitCandidate(context: NodeContext): number {
  const matched = [lastLogIndex(context.log), ...peersOf(context).map((p) => context.matchIndex[p] ?? 0)];
  matched.sort((a, b) => b - a);
  const majorityIndex = matched[Math.floor(context.cluster.length / 2)];
  for (let n = majorityIndex; n > context.commitIndex; n--) {
    if (termAt(context.log, n) === context.currentTerm) return n;
  }
  return context.commitIndex;
}

/**
 * Figure 2, Leaders: "If there exists an N such that N > commitIndex, a majority of
 * matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4)".
 */
export const advanceCommitIndex: Update = (context) => {
  const commitIndex = commitCandidate(context);
  return commitIndex === context.commitIndex ? context : { ...context, commitIndex };
};

// ---------------------------------------------------------------- crashes

/**
 * Figure 2: currentTerm, votedFor and log are "persistent state on all servers"; the rest
 * is volatile and lost in a crash.
 */
export const loseVolatileState: Update = (context) => ({
  ...withFreshTimers(context),
  commitIndex: 0,
  votesGranted: [],
  votesResponded: [],
  nextIndex: {},
  matchIndex: {},
  heardFrom: [],
  leaderId: null,
});

/**
 * The persistCommitIndex switch: a crash loses the volatile state of Figure 2 but commitIndex,
 * which is on stable storage (etcd `HardState.Commit`, restored by `loadState`, raft.go:1570-1577).
 */
export const loseVolatileStateKeepingCommit: Update = (context, event) => ({
  ...loseVolatileState(context, event),
  commitIndex: context.commitIndex,
});

export const updates = {
  updateTerm,
  rejectStaleRequest,
  dropStaleResponse,
  ignoreDisruptiveRequest,
  refuseDisruptiveVote,
  startElection,
  broadcastRequestVote,
  startPreVote,
  broadcastPreVote,
  grantVote,
  rejectVote,
  grantPreVote,
  rejectPreVote,
  recordGrantedVote,
  recordDeniedVote,
  becomeLeader,
  appendLeaderNoOp,
  sendAppendEntries,
  sendAppendEntriesToResponder,
  appendClientEntry,
  becomeFollower,
  recognizeLeader,
  appendEntries,
  advanceFollowerCommit,
  replyAppendSuccess,
  replyAppendFailure,
  replyAppendAtCommit,
  recordReplication,
  recordRequestReplication,
  backOffNextIndex,
  backOffToHint,
  startQuorumCheck,
  noteHeardFrom,
  stepDownOnLostQuorum,
  advanceCommitIndex,
  loseVolatileState,
  loseVolatileStateKeepingCommit,
  ...timerUpdates,
} satisfies Record<string, Update>;

export type UpdateName = keyof typeof updates;

/** The one action that is not an update: hand a received message to the role states. */
export const REDELIVER = 'deliverToRole' as const;
