import type { Features } from './features.ts';
import {
  appendLeaderNoOp,
  backOffToHint,
  becomeFollower,
  grantPreVote,
  loseVolatileStateKeepingCommit,
  replyAppendAtCommit,
  startElection,
  stepDownOnLostQuorum,
  type Update,
  updates,
  updateTerm,
  withMatch,
} from './node/actions.ts';
import { type CompiledMachine, compileNodeMachine } from './node/compiled.ts';
import { peersOf } from './node/context.ts';
import { candidateLogUpToDate, type Guard, guards, isHigherTerm, votedForAnother } from './node/guards.ts';
import { lastLogIndex } from './node/log.ts';
import { type NodeImplementations, nodeMachineConfig } from './node/machine.ts';
import type {
  AppendEntriesRequest,
  AppendEntriesResponse,
  Message,
  PreVoteRequest,
  PreVoteResponse,
  RequestVoteRequest,
} from './types.ts';

/**
 * Model mutations: deliberately broken variants of the node statechart, for testing the
 * model checker itself (a checker that cannot catch a planted bug proves nothing). Each
 * replaces named guards or updates (and, for one, adds a transition to the statechart);
 * each reproduces a bug class of BUGS.md and must be caught with a counterexample.
 */
export interface Mutation {
  readonly name: string;
  /** What the broken rule does, in the model's vocabulary. */
  readonly description: string;
  /** The bug class in BUGS.md it reproduces. */
  readonly bugClass: string;
  /** The rule it breaks. */
  readonly breaks: string;
  readonly implementations: NodeImplementations;
  /** A changed statechart definition, when the bug is in a transition rather than a rule. */
  readonly config?: Parameters<typeof compileNodeMachine>[1];
  /** The switches (models/features.ts) the broken rule belongs to; the checker turns them on. */
  readonly features?: Partial<Features>;
  /**
   * Set for a plausible bug of a switch that no safety property can catch, and why: the
   * evidence that the switch has no safety-relevant mutation (the checker passes with it).
   */
  readonly harmless?: string;
}

/** double-vote: the vote is granted without asking whether this term's vote is already cast. */
const grantVoteTwice: Guard = (context, event) => candidateLogUpToDate(context, event);

/** no-log-check: the vote is granted without the election restriction. */
const grantVoteWithoutLogCheck: Guard = (context, event) => !votedForAnother(context, event);

/** commit-previous-term: commit the highest index on a majority, whatever its term (Figure 8). */
const commitAnyMajorityIndex: Update = (context) => {
  const matched = [context.log.length, ...peersOf(context).map((p) => context.matchIndex[p] ?? 0)];
  matched.sort((a, b) => b - a);
  const majorityIndex = matched[Math.floor(context.cluster.length / 2)];
  return majorityIndex > context.commitIndex ? { ...context, commitIndex: majorityIndex } : context;
};

/** no-step-down: a leader adopts a higher term but keeps leading (its leader state survives). */
const updateTermKeepLeading: Update = (context, event) => ({
  ...updateTerm(context, event),
  leaderId: context.leaderId,
  nextIndex: context.nextIndex,
  matchIndex: context.matchIndex,
});

function noStepDownConfig(): Parameters<typeof compileNodeMachine>[1] {
  const config = structuredClone(nodeMachineConfig) as unknown as {
    states: { running: { states: { leader: { on: Record<string, unknown> } } } };
  };
  // The leader's own Receive handler is tried before `running`'s term rule.
  config.states.running.states.leader.on.Receive = [
    { guard: 'isHigherTerm', actions: ['updateTermKeepLeading', 'deliverToRole'] },
  ];
  return config as unknown as Parameters<typeof compileNodeMachine>[1];
}

/** quorum-step-down-forgets-vote: CheckQuorum's step-down also clears votedFor, as a term change would. */
const stepDownForgettingVote: Update = (context, event) => ({
  ...stepDownOnLostQuorum(context, event),
  votedFor: null,
});

/**
 * sticky-grant-without-term: the disruptive RequestVote is answered with a grant and the vote is
 * recorded, but the term is kept (the rule "does not update its term or grant its vote" half done).
 */
const grantWithoutTerm: Update = (context, event) => {
  const message = (event as { message: { type: string; from: string; term: number } }).message;
  if (message.type !== 'RequestVoteRequest') return context;
  return {
    ...context,
    votedFor: message.from,
    outbox: [
      ...context.outbox,
      {
        type: 'RequestVoteResponse',
        from: context.id,
        to: message.from,
        term: message.term,
        voteGranted: true,
      },
    ],
  };
};

/** retry-without-self-vote: the direct retry counts the candidate's own vote but does not record it in votedFor. */
const startElectionWithoutSelfVote: Update = (context, event) => ({
  ...startElection(context, event),
  votedFor: null,
});

function retryWithoutSelfVoteConfig(): Parameters<typeof compileNodeMachine>[1] {
  const config = structuredClone(nodeMachineConfig) as unknown as {
    states: { running: { states: { candidate: { on: { ElectionTimeout: { actions: string[] }[] } } } } };
  };
  config.states.running.states.candidate.on.ElectionTimeout[0].actions = [
    'startElectionWithoutSelfVote',
    'broadcastRequestVote',
  ];
  return config as unknown as Parameters<typeof compileNodeMachine>[1];
}

/**
 * match-from-leader-log: with success-only replies, the leader credits the follower with its
 * own log as it is now, not with the request the success answers (entries appended since
 * that request was sent count as replicated).
 */
const recordLeaderLogAsReplicated: Update = (context, event) =>
  withMatch(context, (event as AppendEntriesResponse).from, lastLogIndex(context.log));

/** no-op-committed-at-once: the new leader's blank entry is taken as committed when appended ("each leader commit[s] a blank no-op" misread). */
const appendNoOpCommitted: Update = (context, event) => {
  const next = appendLeaderNoOp(context, event);
  return { ...next, commitIndex: lastLogIndex(next.log) };
};

/** pre-vote-records-vote: the pre-vote grant shares the RequestVote handler's bookkeeping and persists votedFor. */
const grantPreVoteRecordingVote: Update = (context, event) => ({
  ...grantPreVote(context, event),
  votedFor: (event as PreVoteRequest).from,
});

/** hint-as-match: the leader reads the rejection's hint (the follower's last index) as how far the follower matches. */
const backOffTakingHintAsMatch: Update = (context, event) => {
  const response = event as AppendEntriesResponse;
  const next = backOffToHint(context, event);
  const hint = response.rejectHint ?? 0;
  return { ...next, matchIndex: { ...next.matchIndex, [response.from]: hint } };
};

function candidateCountsPreVoteConfig(): Parameters<typeof compileNodeMachine>[1] {
  const config = structuredClone(nodeMachineConfig) as unknown as {
    states: { running: { states: { candidate: { on: Record<string, unknown> } } } };
  };
  // A late pre-vote grant echoes the term the candidate now campaigns in.
  config.states.running.states.candidate.on.PreVoteResponse = [
    { guard: 'ownTermPreVoteGranted', actions: 'recordGrantedVote' },
  ];
  return config as unknown as Parameters<typeof compileNodeMachine>[1];
}

// ------------------------------------------------ etcd E5-E7 switches (preVoteStickiness, persistCommitIndex, appendBelowCommit)

/**
 * shared-handler-records-pre-vote: the pre-vote granted despite a known leader goes through the
 * RequestVote handler's bookkeeping and records votedFor (etcd shares one handler and guards the
 * record with `if m.Type == pb.MsgVote`, raft.go:975-979 "Only record real votes").
 */
function preVoteDespiteLeaderRecordsVoteConfig(): Parameters<typeof compileNodeMachine>[1] {
  const config = structuredClone(nodeMachineConfig) as unknown as {
    states: { running: { on: { PreVoteRequest: { guard: string; actions: string }[] } } };
  };
  for (const t of config.states.running.on.PreVoteRequest) {
    if (t.guard === 'canGrantPreVoteDespiteLeader') t.actions = 'grantPreVoteRecordingVote';
  }
  return config as unknown as Parameters<typeof compileNodeMachine>[1];
}

/** restart-commits-whole-log: the persisted commit index is restored as the last log index. */
const keepLogAsCommitted: Update = (context, event) => {
  const next = loseVolatileStateKeepingCommit(context, event);
  return { ...next, commitIndex: lastLogIndex(next.log) };
};

/**
 * below-commit-claims-request: the reply below commitIndex skips the append (etcd's shortcut)
 * but claims the request's last index (prevLogIndex + len(entries)), as the normal branch would.
 */
const replyBelowCommitWithRequestEnd: Update = (context, event) => {
  const request = event as AppendEntriesRequest;
  const next = replyAppendAtCommit(context, event);
  const reply = next.outbox[next.outbox.length - 1];
  const matchIndex = request.prevLogIndex + request.entries.length;
  return { ...next, outbox: [...next.outbox.slice(0, -1), { ...reply, matchIndex }] };
};

/** yield-forgets-vote: the lost (pre-)candidate becomes a follower as if of a new term, votedFor cleared. */
const yieldForgettingVote: Update = (context, event) => ({
  ...becomeFollower(context, event),
  votedFor: null,
});

type AlwaysList = { guard: string; actions: string[] }[];

function yieldForgetsVoteConfig(): Parameters<typeof compileNodeMachine>[1] {
  const config = structuredClone(nodeMachineConfig) as unknown as {
    states: { running: { states: Record<string, { always?: AlwaysList }> } };
  };
  for (const role of ['preCandidate', 'candidate']) {
    const lost = config.states.running.states[role].always?.find((t) => t.guard === 'electionLost');
    if (lost === undefined) throw new Error(`no electionLost transition in ${role}`);
    lost.actions = ['yieldForgettingVote', 'resetElectionTimer'];
  }
  return config as unknown as Parameters<typeof compileNodeMachine>[1];
}

/** sticky-leader-vote-unchecked: the RequestVote of the leader a server knows (in its term) is spared by stickiness. */
const isFromKnownLeader: Guard = (context, event) =>
  context.features.leaderStickiness === 'any-term-reply-except-leader' &&
  (event as RequestVoteRequest).from === context.leaderId;

function stickyLeaderVoteUncheckedConfig(): Parameters<typeof compileNodeMachine>[1] {
  const config = structuredClone(nodeMachineConfig) as unknown as {
    states: { running: { on: { RequestVoteRequest: unknown[] } } };
  };
  // "It already won this term": the leader's request is granted before votedFor or the log is read.
  config.states.running.on.RequestVoteRequest.unshift({
    guard: 'isFromKnownLeader',
    actions: ['grantVote', 'resetElectionTimer'],
  });
  return config as unknown as Parameters<typeof compileNodeMachine>[1];
}

/** pre-vote-refusal-counted: a pre-candidate decides "granted" by the echoed term alone, so an echoed refusal counts. */
const preVoteGrantedByTerm: Guard = (context, event) =>
  (event as PreVoteResponse).term === context.currentTerm + 1;

/** every-rejection-stale: the floor of ignoreStaleRejections is taken from nextIndex, so no rejection moves it. */
const backOffNever: Update = (context) => context;

// ------------------------------------------------ preVoteRefusalTerm, ignoreStaleRejections

/**
 * echoed-refusal-adopts-term: the term rule also for a refused pre-vote, as etcd's `Step` has
 * it (raft.go:858-863: only a pre-vote request and a granted pre-vote response of a higher term
 * are spared; a rejected one makes it a follower of that term). Right when a refusal carries
 * the voter's term (etcd, raft.go:986), wrong with echoed refusals: the pre-candidate moves to
 * its own proposed term, which no candidate started.
 */
const isHigherTermCountingEchoedRefusals: Guard = (context, event) => {
  if (isHigherTerm(context, event)) return true;
  const message = (event as { message: Message }).message;
  return message.type === 'PreVoteResponse' && !message.voteGranted && message.term > context.currentTerm;
};

/** stale-bound-off-by-one: the floor of ignoreStaleRejections is matchIndex, not matchIndex + 1. */
const backOffToMatchIndex: Update = (context, event) => {
  const from = (event as AppendEntriesResponse).from;
  const floor = context.matchIndex[from] ?? 0;
  const next = Math.max(floor, (context.nextIndex[from] ?? 1) - 1);
  return { ...context, nextIndex: { ...context.nextIndex, [from]: next } };
};

export const MUTATIONS: readonly Mutation[] = [
  {
    name: 'double-vote',
    description: 'canGrantVote ignores votedFor: a server grants a second vote in the same term',
    bugClass: 'docs/bugs.md #1, #2 (vote not durable / vote cleared in the same term)',
    breaks: 'Figure 2, RequestVote receiver rule 2: "If votedFor is null or candidateId…"',
    implementations: { guards: { ...guards, canGrantVote: grantVoteTwice }, updates },
  },
  {
    name: 'commit-previous-term',
    description:
      'advanceCommitIndex commits the highest index stored on a majority even when its entry is from an earlier term',
    bugClass: 'docs/bugs.md #15 (Figure-8 commit)',
    breaks: 'Figure 2, Leaders: "…and log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4)"',
    implementations: { guards, updates: { ...updates, advanceCommitIndex: commitAnyMajorityIndex } },
  },
  {
    name: 'no-step-down',
    description: 'a leader that sees a higher term adopts it but stays leader (and then grants votes in it)',
    bugClass: 'docs/bugs.md #5 (higher term ignored; willemt/raft#10)',
    breaks:
      'Figure 2, Rules for All Servers: "If … term T > currentTerm: set currentTerm = T, convert to follower"',
    implementations: { guards, updates: { ...updates, updateTermKeepLeading } },
    config: noStepDownConfig(),
  },
  {
    name: 'no-log-check',
    description:
      "canGrantVote skips the election restriction: votes go to candidates whose log is behind the voter's",
    bugClass: 'docs/bugs.md #4 (election restriction wrong)',
    breaks:
      '§5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the candidate"',
    implementations: { guards: { ...guards, canGrantVote: grantVoteWithoutLogCheck }, updates },
  },
  // ------------------------------------------------ one per switch whose rules safety depends on
  {
    name: 'quorum-step-down-forgets-vote',
    description: "CheckQuorum's step-down clears votedFor: the deposed leader may vote again in its term",
    bugClass: 'BUGS.md #2 (vote cleared in the same term), through the checkQuorum switch',
    breaks: '§5.2: "each server will vote for at most one candidate in a given term" (thesis §6.2 step-down)',
    implementations: { guards, updates: { ...updates, stepDownOnLostQuorum: stepDownForgettingVote } },
    features: { checkQuorum: true },
  },
  {
    name: 'sticky-grant-without-term',
    description:
      'a sticky server answers a higher-term RequestVote with a grant, recording the vote in its own older term',
    bugClass: 'BUGS.md #1, #2 (vote not tied to its term), through the leaderStickiness switch',
    breaks: 'thesis §4.2.3: "it does not update its term or grant its vote"',
    implementations: { guards, updates: { ...updates, ignoreDisruptiveRequest: grantWithoutTerm } },
    features: { leaderStickiness: 'any-term' },
  },
  {
    name: 'sticky-reply-grants-without-term',
    description:
      'a server that answers disruptive RequestVotes fills the answer with a grant and records the vote, in its own older term',
    bugClass: 'BUGS.md #1, #2 (vote not tied to its term), through leaderStickiness=any-term-reply',
    breaks: 'thesis §4.2.3: "it does not update its term or grant its vote"',
    implementations: { guards, updates: { ...updates, refuseDisruptiveVote: grantWithoutTerm } },
    features: { leaderStickiness: 'any-term-reply' },
  },
  {
    name: 'sticky-leader-vote-unchecked',
    description:
      'stickiness spares the known leader, and its RequestVote is then granted without checking votedFor or the log',
    bugClass:
      'BUGS.md #2 (vote changed in the same term), through leaderStickiness=any-term-reply-except-leader',
    breaks: 'Figure 2, RequestVote receiver rule 2: "If votedFor is null or candidateId…"',
    implementations: { guards: { ...guards, isFromKnownLeader }, updates },
    config: stickyLeaderVoteUncheckedConfig(),
    features: { leaderStickiness: 'any-term-reply-except-leader' },
  },
  {
    name: 'retry-without-self-vote',
    description:
      'a candidate that retries its election directly counts its own vote but leaves votedFor empty, so it may also vote for another',
    bugClass: 'BUGS.md #1 (vote not recorded), through the candidateRetry switch',
    breaks: 'Figure 2, Candidates: "increment currentTerm, vote for self"',
    implementations: { guards, updates: { ...updates, startElectionWithoutSelfVote } },
    config: retryWithoutSelfVoteConfig(),
    features: { preVote: true, candidateRetry: 'election' },
  },
  {
    name: 'pre-vote-records-vote',
    description:
      "a pre-vote grant records votedFor, in the voter's current term, as a RequestVote grant would",
    bugClass: 'BUGS.md #2 (vote changed in the same term), through the preVote switch',
    breaks: 'thesis §9.6: a pre-vote changes no term and no vote; §5.2 one vote per term',
    implementations: { guards, updates: { ...updates, grantPreVote: grantPreVoteRecordingVote } },
    features: { preVote: true },
  },
  {
    name: 'candidate-counts-pre-vote',
    description:
      'a candidate counts a late pre-vote grant echoing its term (preVoteOwnTerm) as a vote of its election',
    bugClass:
      'no BUGS.md class (a pre-vote counted as a vote), through the preVoteOwnTerm switch: Election Safety',
    breaks:
      'Figure 2, Candidates: "If votes received from majority of servers: become leader" (votes, not pre-votes)',
    implementations: { guards, updates },
    config: candidateCountsPreVoteConfig(),
    features: { preVote: true, preVoteOwnTerm: true },
  },
  {
    name: 'yield-forgets-vote',
    description:
      'a (pre-)candidate that lost its election becomes a follower with votedFor cleared, as if its term were new',
    bugClass: 'BUGS.md #2 (vote cleared in the same term), through the yieldOnLostElection switch',
    breaks:
      '§5.2: "each server will vote for at most one candidate in a given term" (etcd becomeFollower(r.Term, None) keeps r.Vote)',
    implementations: { guards, updates: { ...updates, yieldForgettingVote } },
    config: yieldForgetsVoteConfig(),
    features: { yieldOnLostElection: true },
  },
  {
    name: 'no-op-committed-at-once',
    description: 'a new leader takes its blank no-op entry as committed when it appends it',
    bugClass: 'BUGS.md #24 (uncommitted entry taken as committed), through the leaderNoOp switch',
    breaks:
      'Figure 2, Leaders: commit N only if "a majority of matchIndex[i] ≥ N" (thesis §6.4: the no-op is committed, not declared so)',
    implementations: { guards, updates: { ...updates, appendLeaderNoOp: appendNoOpCommitted } },
    features: { leaderNoOp: true },
  },
  {
    name: 'match-from-leader-log',
    description:
      'with success-only replies, the leader sets matchIndex to its own last index, not to the request the success answers',
    bugClass:
      'BUGS.md #24 (uncommitted entry taken as committed), through the appendMatchFrom switch (canonical raft C9 from the leader side)',
    breaks:
      'Figure 2, Leaders: "If successful: update nextIndex and matchIndex for follower" (with what the follower stored)',
    implementations: {
      guards,
      updates: { ...updates, recordRequestReplication: recordLeaderLogAsReplicated },
    },
    features: { appendMatchFrom: 'request' },
  },
  {
    name: 'hint-as-match',
    description:
      "the leader takes a rejection's hint (the follower's last index) as the follower's matchIndex",
    bugClass: 'BUGS.md #24 (uncommitted entry taken as committed), through the backoff switch',
    breaks:
      'Figure 2, Leaders: matchIndex is the "highest log entry known to be replicated"; a rejection proves none',
    implementations: { guards, updates: { ...updates, backOffToHint: backOffTakingHintAsMatch } },
    features: { backoff: 'hint' },
  },
  {
    name: 'shared-handler-records-pre-vote',
    description:
      'a pre-vote granted despite a known leader (preVoteStickiness=false) records votedFor, as the shared RequestVote handler would',
    bugClass: 'BUGS.md #2 (vote changed in the same term), through the preVoteStickiness switch',
    breaks:
      'thesis §9.6: a pre-vote changes no vote (etcd raft.go:975 "Only record real votes"); §5.2 one vote per term',
    implementations: { guards, updates: { ...updates, grantPreVoteRecordingVote } },
    config: preVoteDespiteLeaderRecordsVoteConfig(),
    features: { preVote: true, preVoteStickiness: false },
  },
  {
    name: 'restart-commits-whole-log',
    description:
      'with persistCommitIndex, a restarted server takes its whole log as committed instead of the commit index it kept',
    bugClass: 'BUGS.md #24 (uncommitted entry taken as committed), through the persistCommitIndex switch',
    breaks:
      'Figure 2, State: commitIndex is the "index of highest log entry known to be committed" (etcd loadState restores HardState.Commit)',
    implementations: {
      guards,
      updates: { ...updates, loseVolatileStateKeepingCommit: keepLogAsCommitted },
    },
    features: { persistCommitIndex: true },
  },
  {
    name: 'below-commit-claims-request',
    description:
      "a follower answers an AppendEntries below its commitIndex without appending, but claims the request's last index as matchIndex",
    bugClass: 'BUGS.md #24 (uncommitted entry taken as committed), through the appendBelowCommit switch',
    breaks:
      'Figure 2, Leaders: matchIndex is the "highest log entry known to be replicated" (etcd answers Index: committed, raft.go:1375)',
    implementations: {
      guards,
      updates: { ...updates, replyAppendAtCommit: replyBelowCommitWithRequestEnd },
    },
    features: { appendBelowCommit: 'reply-commit' },
  },
  {
    name: 'echoed-refusal-adopts-term',
    description:
      "with echoed pre-vote refusals, a pre-candidate applies the term rule to a refusal and becomes a follower of the refusal's term, its own proposed currentTerm + 1",
    bugClass:
      'BUGS.md #9 (term inflation: a term no candidate started, which then deposes the leader), through the preVoteRefusalTerm switch',
    breaks:
      '§5.2: "To begin an election, a follower increments its current term … It then votes for itself" (canonical/raft v0.15.0 recv_request_vote_result.c:41-46, 89-91 bumps only above currentTerm + 1)',
    implementations: { guards: { ...guards, isHigherTerm: isHigherTermCountingEchoedRefusals }, updates },
    features: { preVote: true, preVoteRefusalTerm: 'echo' },
  },
  {
    name: 'stale-bound-off-by-one',
    description:
      'with ignoreStaleRejections, a rejection may move nextIndex down to matchIndex (the floor is matchIndex, not matchIndex + 1)',
    bugClass:
      'no BUGS.md class (an entry known to match is sent again, or nextIndex 0), through ignoreStaleRejections',
    breaks:
      'etcd-io/raft tracker/progress.go:37 "Invariant: 0 <= Match < Next" (MaybeDecrTo floors at Match + 1, :249)',
    implementations: { guards, updates: { ...updates, backOffNextIndex: backOffToMatchIndex } },
    features: { ignoreStaleRejections: true },
  },
  // ------------------------------------------------ plausible bugs of those two that safety cannot see
  {
    name: 'pre-vote-refusal-counted',
    description:
      'with echoed pre-vote refusals, a pre-candidate counts any response echoing currentTerm + 1 as a grant, refusals included',
    bugClass:
      'BUGS.md #9 (disruption: an election no majority agreed to), through the preVoteRefusalTerm switch',
    breaks: 'thesis §9.6: a pre-candidate starts the real election only with a majority of pre-vote grants',
    implementations: { guards: { ...guards, preVoteGranted: preVoteGrantedByTerm }, updates },
    features: { preVote: true, preVoteRefusalTerm: 'echo' },
    harmless:
      'a pre-vote changes no term and no vote; the real election it starts still needs a majority of real votes (§5.2), so only liveness suffers',
  },
  {
    name: 'every-rejection-stale',
    description:
      'with ignoreStaleRejections, the leader takes every rejection as stale: nextIndex never moves back',
    bugClass: 'no BUGS.md class (a follower never repaired), through the ignoreStaleRejections switch',
    breaks:
      'Figure 2, Leaders: "If AppendEntries fails because of log inconsistency: decrement nextIndex and retry"',
    implementations: { guards, updates: { ...updates, backOffNextIndex: backOffNever } },
    features: { ignoreStaleRejections: true },
    harmless:
      "nextIndex only chooses what the leader sends; the follower's consistency check at prevLogIndex decides what it stores (Log Matching) and matchIndex what commits, so a follower left behind costs liveness only",
  },
];

export const MUTATION_NAMES: readonly string[] = MUTATIONS.map((m) => m.name);

export function mutationNamed(name: string): Mutation {
  const mutation = MUTATIONS.find((m) => m.name === name);
  if (!mutation) throw new Error(`unknown mutation '${name}' (known: ${MUTATION_NAMES.join(', ')})`);
  return mutation;
}

/** The node statechart with the mutation applied, ready for the cluster model. */
export function compileMutation(mutation: Mutation): CompiledMachine {
  return compileNodeMachine(mutation.implementations, mutation.config);
}
