import type { FeatureName } from '../features.ts';
import type {
  AppendEntriesRequest,
  AppendEntriesResponse,
  Message,
  PreVoteRequest,
  PreVoteResponse,
  RequestVoteRequest,
  RequestVoteResponse,
} from '../types.ts';
import { isQuorum, type NodeContext } from './context.ts';
import type { NodeEvent } from './events.ts';
import { isAtLeastAsUpToDate, lastIndexOfRequest, termAt } from './log.ts';
import { restartsTimerOnHigherTerm, timerGuards } from './timers.ts';

/**
 * The guards of the node statechart: pure predicates named after the rule they decide,
 * each citing it. The machine refers to them by name; the compiled step engine calls
 * these same functions.
 */
export type Guard = (context: NodeContext, event: NodeEvent) => boolean;

function received(event: NodeEvent): Message {
  if (event.type !== 'Receive') throw new Error(`guard expects a Receive input, got ${event.type}`);
  return event.message;
}

const REQUEST_TYPES = new Set(['RequestVoteRequest', 'PreVoteRequest', 'AppendEntriesRequest']);

export function isRequest(message: Message): boolean {
  return REQUEST_TYPES.has(message.type);
}

/**
 * A pre-vote request carries the term its sender *would* campaign in, and a pre-vote
 * grant echoes it; neither is evidence that a higher term exists (thesis §9.6). With the
 * `preVoteRefusalTerm: 'echo'` switch a refusal echoes it too.
 */
function carriesProposedTerm(context: NodeContext, message: Message): boolean {
  if (message.type === 'PreVoteRequest') return true;
  if (message.type !== 'PreVoteResponse') return false;
  return message.voteGranted || context.features.preVoteRefusalTerm === 'echo';
}

// ---------------------------------------------------------------- the term rule (§5.1)

/**
 * Figure 2, Rules for All Servers: "If RPC request or response contains term T >
 * currentTerm: set currentTerm = T, convert to follower (§5.1)".
 */
export const isHigherTerm: Guard = (context, event) => {
  const message = received(event);
  return message.term > context.currentTerm && !carriesProposedTerm(context, message);
};

/**
 * The electionTimerOnHigherTerm switch: the term rule (Figure 2, Rules for All Servers), where
 * adopting the term also restarts the election timer for this node's role (etcd raft.go:843-871
 * → `becomeFollower` → `reset`: `electionElapsed = 0`). Tried before `isHigherTerm`.
 */
export const isHigherTermRestartingTimer: Guard = (context, event) =>
  isHigherTerm(context, event) && restartsTimerOnHigherTerm(context);

/**
 * Leader stickiness, `any-term` (thesis §4.2.3): "if a server receives a RequestVote request
 * within the minimum election timeout of hearing from a current leader, it does not update
 * its term or grant its vote". Tried before the term rule; the same holds for a PreVote.
 */
export const isDisruptiveRequest: Guard = (context, event) => {
  if (context.features.leaderStickiness !== 'any-term' || context.leaderId === null) return false;
  const message = received(event);
  const vote = message.type === 'RequestVoteRequest' || message.type === 'PreVoteRequest';
  return vote && message.term > context.currentTerm;
};

/** The leaderStickiness values that answer a refused RequestVote instead of dropping it. */
function stickinessReplies(context: NodeContext): boolean {
  const value = context.features.leaderStickiness;
  return value === 'any-term-reply' || value === 'any-term-reply-except-leader';
}

/**
 * Whom leader stickiness lets through to the ordinary vote rule: the candidate already voted
 * for (etcd raft.go:941 `canVote`: `r.Vote == m.From`), nobody (canonical/raft
 * recv_request_vote.c:58-64 `has_leader`), or the leader the server knows (hashicorp/raft
 * raft.go:1417 `leader != candidate`).
 */
function sparedByStickiness(context: NodeContext, candidate: string): boolean {
  switch (context.features.leaderStickiness) {
    case 'any-term-reply':
      return false;
    case 'any-term-reply-except-leader':
      return candidate === context.leaderId;
    default:
      return context.votedFor === candidate;
  }
}

/**
 * Leader stickiness, `any-term-reply` and `any-term-reply-except-leader` (thesis §4.2.3: "it
 * does not update its term or grant its vote"): a higher-term RequestVote while a leader is
 * known is refused with a reply in the voter's own term, before the term rule (canonical
 * recv_request_vote.c:58-64 → `goto reply`; hashicorp raft.go:1402-1421, a deferred
 * `rpc.Respond` with `Granted: false`). A PreVote goes on to the pre-vote rule, which refuses
 * it with a reply too (`hasCurrentLeader`).
 */
export const isRefusedDisruptiveVote: Guard = (context, event) => {
  if (!stickinessReplies(context) || context.leaderId === null) return false;
  const message = received(event);
  return (
    message.type === 'RequestVoteRequest' &&
    message.term > context.currentTerm &&
    !sparedByStickiness(context, message.from)
  );
};

/** Figure 2, RequestVote and AppendEntries receiver rule 1: "Reply false if term < currentTerm (§5.1)". */
export const isStaleRequest: Guard = (context, event) => {
  const message = received(event);
  return isRequest(message) && message.term < context.currentTerm;
};

/** raft.tla DropStaleResponse: a response from an older term answers a question nobody asks any more. */
export const isStaleResponse: Guard = (context, event) => {
  const message = received(event);
  return !isRequest(message) && message.term < context.currentTerm;
};

// ---------------------------------------------------------------- voting (§5.2, §5.4.1)

/**
 * §5.4.1 election restriction: "the voter denies its vote if its own log is more
 * up-to-date than that of the candidate".
 */
export const candidateLogUpToDate: Guard = (context, event) => {
  const request = event as RequestVoteRequest | PreVoteRequest;
  return isAtLeastAsUpToDate(request.lastLogTerm, request.lastLogIndex, context.log);
};

/** §5.2: "each server will vote for at most one candidate in a given term". */
export const votedForAnother: Guard = (context, event) => {
  const request = event as RequestVoteRequest;
  return context.votedFor !== null && context.votedFor !== request.from;
};

/** §5.4.1, the negation of `candidateLogUpToDate`: "the voter denies its vote if its own log is more up-to-date than that of the candidate". */
export const candidateLogBehind: Guard = (context, event) => !candidateLogUpToDate(context, event);

/**
 * Figure 2, RequestVote receiver rule 2: "If votedFor is null or candidateId, and
 * candidate's log is at least as up-to-date as receiver's log, grant vote (§5.2, §5.4)".
 */
export const canGrantVote: Guard = (context, event) =>
  !votedForAnother(context, event) && candidateLogUpToDate(context, event);

/**
 * Leader stickiness, every value (thesis §4.2.3: a server that heard from a current leader
 * does not "grant its vote"): a server that knows the leader of its current term refuses a
 * RequestVote of that term, unless stickiness spares the candidate (`sparedByStickiness`: for
 * etcd the vote it already cast, `canVote := r.Vote == m.From || (r.Vote == None && r.lead ==
 * None)`; for hashicorp the leader itself; for canonical/raft nobody).
 */
export const leaderKnownInTerm: Guard = (context, event) =>
  context.features.leaderStickiness !== 'off' &&
  context.leaderId !== null &&
  !sparedByStickiness(context, (event as RequestVoteRequest).from);

/** Thesis §9.6: a pre-vote is only for a term above the voter's own. */
export const preVoteTermNotAhead: Guard = (context, event) =>
  (event as PreVoteRequest).term <= context.currentTerm;

/**
 * Thesis §4.2.3 / §9.6 (leader stickiness): a server that currently hears from a leader
 * does not help anybody start an election. A leader counts itself as heard from.
 */
export const hasCurrentLeader: Guard = (context) => context.leaderId !== null;

/** Thesis §9.6: grant a pre-vote for a higher term to an up-to-date log, absent a current leader. */
export const canGrantPreVote: Guard = (context, event) =>
  !preVoteTermNotAhead(context, event) &&
  !hasCurrentLeader(context, event) &&
  candidateLogUpToDate(context, event);

/**
 * The preVoteStickiness switch, `false` (etcd raft.go:941-947: `canVote` holds for a MsgPreVote
 * of a higher term whatever leader the voter knows): grant a pre-vote for a higher term to an
 * up-to-date log although a current leader is heard from. Only a pre-vote: the real vote still
 * asks for the term and the log (§5.2, §5.4.1), so this costs protection against disruption
 * (BUGS.md #9), never safety.
 */
export const canGrantPreVoteDespiteLeader: Guard = (context, event) =>
  !context.features.preVoteStickiness &&
  !preVoteTermNotAhead(context, event) &&
  hasCurrentLeader(context, event) &&
  candidateLogUpToDate(context, event);

/**
 * The preVoteOwnTerm switch (etcd `canVote` for a MsgPreVote of the voter's own term): grant a
 * pre-vote for currentTerm to an up-to-date log exactly when the real vote of that term could
 * still be granted (voted for this candidate, or neither voted nor heard from a leader).
 */
export const canGrantPreVoteInOwnTerm: Guard = (context, event) => {
  const request = event as PreVoteRequest;
  if (!context.features.preVoteOwnTerm || request.term !== context.currentTerm) return false;
  const couldVote =
    context.votedFor === request.from || (context.votedFor === null && context.leaderId === null);
  return couldVote && candidateLogUpToDate(context, event);
};

/** raft.tla HandleRequestVoteResponse: the reply grants the vote (Figure 2, RequestVote results: voteGranted). */
export const voteGranted: Guard = (_context, event) => (event as RequestVoteResponse).voteGranted;
/** raft.tla HandleRequestVoteResponse: the reply refuses the vote; it is recorded as an answer, not as a vote. */
export const voteDenied: Guard = (_context, event) => !(event as RequestVoteResponse).voteGranted;

/** A pre-vote grant counts only for the round in progress: it must echo currentTerm + 1. */
export const preVoteGranted: Guard = (context, event) => {
  const response = event as PreVoteResponse;
  return response.voteGranted && response.term === context.currentTerm + 1;
};
/**
 * The preVoteOwnTerm switch, pre-candidate side (etcd `stepCandidate` polls every
 * MsgPreVoteResp not below its term): a grant echoing currentTerm, from an earlier round,
 * counts as a grant of this one. Pre-votes change no term and no vote, so this is safe.
 */
export const ownTermPreVoteGranted: Guard = (context, event) => {
  const response = event as PreVoteResponse;
  return context.features.preVoteOwnTerm && response.voteGranted && response.term === context.currentTerm;
};
/** Thesis §9.6: a refused pre-vote (carrying the voter's currentTerm) counts as an answer, not as a vote. */
export const preVoteDenied: Guard = (_context, event) => !(event as PreVoteResponse).voteGranted;

/** Figure 2, Candidates: "If votes received from majority of servers: become leader". */
export const hasVoteQuorum: Guard = (context) => isQuorum(context, context.votesGranted);

/**
 * The yieldOnLostElection switch: the refusals received leave fewer servers than a majority
 * that could still grant (etcd quorum/majority.go VoteResult: granted + missing < quorum →
 * VoteLost). The (pre-)candidate cannot win this round, so it waits as a follower.
 */
export const electionLost: Guard = (context) => {
  if (!context.features.yieldOnLostElection) return false;
  const refused = context.votesResponded.filter((id) => !context.votesGranted.includes(id)).length;
  return !isQuorum(context, context.cluster.slice(refused));
};

/** The PreVote feature switch (thesis §9.6): an election timeout starts a pre-vote round first. */
export const preVoteEnabled: Guard = (context) => context.features.preVote;

/**
 * The candidateRetry switch, `election`: a candidate whose election times out starts a new
 * election at once (Figure 2, Candidates), even with PreVote on.
 */
export const retriesWithElection: Guard = (context) => context.features.candidateRetry === 'election';

/** The CheckQuorum switch (thesis §6.2): a leader's election timeout is its quorum check. */
export const checkQuorumEnabled: Guard = (context) => context.features.checkQuorum;

/**
 * CheckQuorum (thesis §6.2): "a leader steps down if an election timeout elapses without a
 * successful round of heartbeats to a majority of its cluster" (etcd `QuorumActive`).
 */
export const quorumLost: Guard = (context) =>
  context.features.checkQuorum && !isQuorum(context, context.heardFrom);

/**
 * `hasVoteQuorum` with the leaderNoOp feature switch on (thesis §8: "each leader commit[s] a
 * blank no-op entry into the log at the start of its term"): the new leader appends the no-op
 * before its first AppendEntries.
 */
export const hasVoteQuorumWithLeaderNoOp: Guard = (context, event) =>
  context.features.leaderNoOp && hasVoteQuorum(context, event);

/** The noOpAfterFirstAppend switch, with leaderNoOp: the no-op is sent after a first round of empty AppendEntries. */
function noOpAfterFirstAppend(context: NodeContext): boolean {
  return context.features.leaderNoOp && context.features.noOpAfterFirstAppend;
}

/**
 * `hasVoteQuorum` with the noOpAfterFirstAppend switch (Figure 2, Leaders: "Upon election: send
 * initial empty AppendEntries RPCs"; thesis §8 no-op): the new leader sends the empty requests,
 * then appends its no-op (hashicorp raft.go:440 triggers replication before :453 writes the no-op).
 */
export const hasVoteQuorumWithNoOpAfterFirstAppend: Guard = (context, event) =>
  noOpAfterFirstAppend(context) && hasVoteQuorum(context, event);

// ---------------------------------------------------------------- replication (§5.3)

/**
 * Figure 2, AppendEntries receiver rule 2 (negated): the log contains an entry at
 * prevLogIndex whose term matches prevLogTerm.
 */
export const prevLogMatches: Guard = (context, event) => {
  const request = event as AppendEntriesRequest;
  return termAt(context.log, request.prevLogIndex) === request.prevLogTerm;
};

/** AppendEntries receiver rule 2, first case: the log has no entry at prevLogIndex. */
export const prevLogBeyondEnd: Guard = (context, event) =>
  (event as AppendEntriesRequest).prevLogIndex > context.log.length;

/** AppendEntries receiver rule 2, second case: the entry at prevLogIndex has another term. */
export const prevLogTermMismatch: Guard = (context, event) =>
  !prevLogMatches(context, event) && !prevLogBeyondEnd(context, event);

/**
 * The appendBelowCommit switch, `reply-commit` (etcd raft.go:1374 `if m.Index <
 * r.raftLog.committed`): the request's prevLogIndex lies below commitIndex. The entries up to
 * commitIndex are committed, hence in this leader's log (§5.4 Leader Completeness), so the
 * follower answers with its commitIndex instead of running the consistency check.
 */
export const prevLogBelowCommit: Guard = (context, event) =>
  context.features.appendBelowCommit === 'reply-commit' &&
  (event as AppendEntriesRequest).prevLogIndex < context.commitIndex;

/** The persistCommitIndex switch (etcd HardState.Commit, raft.go:398-403): a crash keeps commitIndex. */
export const commitIndexPersisted: Guard = (context) => context.features.persistCommitIndex;

/**
 * The appendMatchFrom switch, `request` (Figure 2, AppendEntries RPC, Results: only "term" and
 * "success"): the success answers a request the leader sent, whose range it reads back
 * (hashicorp/raft 1.1.2 replication.go:236 `updateLastAppended(s, &req)`).
 */
export const successAnswersRequest: Guard = (context, event) => {
  const response = event as AppendEntriesResponse;
  return (
    context.features.appendMatchFrom === 'request' && response.success && response.inReplyTo !== undefined
  );
};
/** Figure 2, Leaders: "If successful: update nextIndex and matchIndex for follower (§5.3)". */
export const appendSucceeded: Guard = (_context, event) => (event as AppendEntriesResponse).success;

/** The last index a success acknowledges: the request it answers (appendMatchFrom=request) or its matchIndex. */
function acknowledgedIndex(context: NodeContext, response: AppendEntriesResponse): number {
  const request = response.inReplyTo;
  if (context.features.appendMatchFrom === 'request' && request !== undefined)
    return lastIndexOfRequest(request);
  return response.matchIndex;
}

/**
 * The noOpAfterFirstAppend switch: after this success the follower's next entry is the leader's
 * no-op, the first entry of its term (Figure 2, Leaders: "If last log index ≥ nextIndex for a
 * follower: send AppendEntries RPC with log entries starting at nextIndex"). hashicorp: the round
 * that sent up to the old last index ends (replication.go:264), the no-op's trigger (raft.go:1088)
 * starts the next (replication.go:156-157).
 */
function successReachesNoOp(context: NodeContext, response: AppendEntriesResponse): boolean {
  if (!noOpAfterFirstAppend(context) || !response.success) return false;
  const match = Math.max(context.matchIndex[response.from] ?? 0, acknowledgedIndex(context, response));
  return (
    termAt(context.log, match + 1) === context.currentTerm &&
    termAt(context.log, match) !== context.currentTerm
  );
}

/** `successAnswersRequest`, and the follower's next entry is the no-op (noOpAfterFirstAppend). */
export const requestSuccessReachesNoOp: Guard = (context, event) =>
  successAnswersRequest(context, event) && successReachesNoOp(context, event as AppendEntriesResponse);

/** `appendSucceeded`, and the follower's next entry is the no-op (noOpAfterFirstAppend). */
export const appendSuccessReachesNoOp: Guard = (context, event) =>
  successReachesNoOp(context, event as AppendEntriesResponse);
/**
 * The backoff switch, `hint` (§5.3: "the protocol can be optimized to reduce the number of
 * rejected AppendEntries RPCs"): the rejection carries the follower's last index.
 */
export const hintedRejection: Guard = (context, event) => {
  const response = event as AppendEntriesResponse;
  return context.features.backoff === 'hint' && !response.success && response.rejectHint !== undefined;
};
/** Figure 2, Leaders: "If AppendEntries fails because of log inconsistency: decrement nextIndex and retry (§5.3)". */
export const appendRejected: Guard = (_context, event) => !(event as AppendEntriesResponse).success;

export const guards = {
  isHigherTermRestartingTimer,
  isHigherTerm,
  isDisruptiveRequest,
  isRefusedDisruptiveVote,
  isStaleRequest,
  isStaleResponse,
  canGrantVote,
  votedForAnother,
  candidateLogUpToDate,
  candidateLogBehind,
  canGrantPreVote,
  canGrantPreVoteInOwnTerm,
  canGrantPreVoteDespiteLeader,
  leaderKnownInTerm,
  preVoteTermNotAhead,
  hasCurrentLeader,
  voteGranted,
  voteDenied,
  preVoteGranted,
  ownTermPreVoteGranted,
  preVoteDenied,
  hasVoteQuorum,
  preVoteEnabled,
  retriesWithElection,
  checkQuorumEnabled,
  quorumLost,
  hasVoteQuorumWithLeaderNoOp,
  hasVoteQuorumWithNoOpAfterFirstAppend,
  electionLost,
  prevLogMatches,
  prevLogBeyondEnd,
  prevLogTermMismatch,
  prevLogBelowCommit,
  commitIndexPersisted,
  successAnswersRequest,
  requestSuccessReachesNoOp,
  appendSucceeded,
  appendSuccessReachesNoOp,
  hintedRejection,
  appendRejected,
  ...timerGuards,
} satisfies Record<string, Guard>;

export type GuardName = keyof typeof guards;

/**
 * The guards only a switch (models/features.ts) can make true: a transition they guard
 * exists only in the model with that switch on. The diagram marks those transitions, and
 * the coverage accounting knows they need a configuration with the switch.
 */
export const SWITCH_OF_GUARD: Readonly<Partial<Record<GuardName, FeatureName>>> = {
  preVoteEnabled: 'preVote',
  hasVoteQuorumWithLeaderNoOp: 'leaderNoOp',
  hasVoteQuorumWithNoOpAfterFirstAppend: 'noOpAfterFirstAppend',
  requestSuccessReachesNoOp: 'noOpAfterFirstAppend',
  appendSuccessReachesNoOp: 'noOpAfterFirstAppend',
  isDisruptiveRequest: 'leaderStickiness',
  isRefusedDisruptiveVote: 'leaderStickiness',
  leaderKnownInTerm: 'leaderStickiness',
  canGrantPreVoteInOwnTerm: 'preVoteOwnTerm',
  ownTermPreVoteGranted: 'preVoteOwnTerm',
  retriesWithElection: 'candidateRetry',
  quorumLost: 'checkQuorum',
  checkQuorumEnabled: 'checkQuorum',
  quorumCheckDue: 'checkQuorum',
  quorumCheckAndHeartbeatDue: 'checkQuorum',
  hintedRejection: 'backoff',
  successAnswersRequest: 'appendMatchFrom',
  electionLost: 'yieldOnLostElection',
  canGrantPreVoteDespiteLeader: 'preVoteStickiness',
  commitIndexPersisted: 'persistCommitIndex',
  prevLogBelowCommit: 'appendBelowCommit',
  isHigherTermRestartingTimer: 'electionTimerOnHigherTerm',
};
