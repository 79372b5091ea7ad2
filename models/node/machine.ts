import { assign, raise, setup } from 'xstate';
import type { Message } from '../types.ts';
import { updates as defaultUpdates, REDELIVER, type Update } from './actions.ts';
import { initialContext, type NodeContext, type NodeSetup } from './context.ts';
import type { NodeEvent } from './events.ts';
import { guards as defaultGuards, type Guard } from './guards.ts';
import { RAISED_TIMEOUTS } from './timers.ts';

/**
 * The Raft node statechart: the single source of truth of raftkit.
 *
 *   running ── follower ⇄ preCandidate → candidate → leader
 *   crashed
 *
 * Every guard and action is referred to by name; their implementations live in
 * `guards.ts` and `actions.ts`. The configuration below is plain data, so the compiled
 * step engine (`compiled.ts`) and the diagram generator read the very same definition.
 *
 * Received messages arrive as `Receive`. The `running` state applies the term rule to
 * them once (Figure 2, Rules for All Servers; etcd's `Step`), then raises the message
 * under its own type for the role states, as etcd dispatches to `stepFollower` and the
 * like. Votes are decided the same way in every role, so `running` decides them too.
 */

/** Figure 2, Followers: "If election timeout elapses without receiving AppendEntries RPC from
 * current leader or granting vote to candidate: convert to candidate"; Candidates: "If election
 * timeout elapses: start new election". With PreVote, a pre-vote round comes first. */
const onElectionTimeout = [
  {
    guard: 'preVoteEnabled',
    target: 'preCandidate',
    actions: ['startPreVote', 'broadcastPreVote', 'resetElectionTimer'],
  },
  { target: 'candidate', actions: ['startElection', 'broadcastRequestVote', 'resetElectionTimer'] },
];

/**
 * A tick of a follower's or candidate's clock (etcd `tickElection`): the election timer
 * advances, and the tick that reaches the timeout raises ElectionTimeout (models/node/timers.ts).
 */
const onElectionTick = [
  { guard: 'electionTimeoutElapsed', actions: ['advanceElectionTimer', 'fireElectionTimeout'] },
  { actions: 'advanceElectionTimer' },
];

/**
 * A tick of a leader's clock (etcd `tickHeartbeat`): the heartbeat timer advances and may
 * raise HeartbeatTimeout; with CheckQuorum the election timer advances too and may raise the
 * leader's ElectionTimeout, its quorum check, first.
 */
const leaderTimers = ['advanceQuorumTimer', 'advanceHeartbeatTimer'];
const onHeartbeatTick = [
  {
    guard: 'quorumCheckAndHeartbeatDue',
    actions: [...leaderTimers, 'fireElectionTimeout', 'fireHeartbeatTimeout'],
  },
  { guard: 'quorumCheckDue', actions: [...leaderTimers, 'fireElectionTimeout'] },
  { guard: 'heartbeatIntervalElapsed', actions: [...leaderTimers, 'fireHeartbeatTimeout'] },
  { actions: leaderTimers },
];

/**
 * The yieldOnLostElection switch (etcd raft.go:1304 `VoteLost` → `becomeFollower(r.Term,
 * None)`): a (pre-)candidate that cannot win becomes a follower of the same term; its vote
 * stays recorded (§5.2) and its election timer restarts, as etcd's becomeFollower does.
 */
const onElectionLost = {
  guard: 'electionLost',
  target: 'follower',
  actions: ['becomeFollower', 'resetElectionTimer'],
} as const;

/**
 * CheckQuorum (thesis §6.2), a switch: a leader's election timeout is its quorum check. Without
 * the switch neither transition is enabled and the environment never offers a leader this input.
 */
const onQuorumCheck = [
  { guard: 'quorumLost', target: 'follower', actions: ['stepDownOnLostQuorum', 'resetElectionTimer'] },
  { guard: 'checkQuorumEnabled', actions: ['startQuorumCheck', 'resetElectionTimer'] },
];

/**
 * The noOpAfterFirstAppend switch: a success after which the follower's next entry is the
 * leader's no-op is recorded as any success, then the no-op goes to that follower (Figure 2,
 * Leaders: "If last log index ≥ nextIndex for a follower: send AppendEntries RPC").
 */
function afterSuccessSendingNoOp(record: 'recordReplication' | 'recordRequestReplication') {
  return ['noteHeardFrom', record, 'advanceCommitIndex', 'sendAppendEntriesToResponder'];
}

/** Figure 2, Candidates: "If AppendEntries RPC received from new leader: convert to follower". */
const onAppendEntriesFromLeader = { target: 'follower', actions: ['becomeFollower', REDELIVER] };

export const nodeMachineConfig = {
  id: 'raftNode',
  initial: 'running',
  states: {
    running: {
      initial: 'follower',
      on: {
        Receive: [
          { guard: 'isDisruptiveRequest', actions: 'ignoreDisruptiveRequest' },
          { guard: 'isRefusedDisruptiveVote', actions: 'refuseDisruptiveVote' },
          {
            guard: 'isHigherTermRestartingTimer',
            target: '.follower',
            actions: ['updateTerm', 'resetElectionTimer', REDELIVER],
          },
          { guard: 'isHigherTerm', target: '.follower', actions: ['updateTerm', REDELIVER] },
          { guard: 'isStaleRequest', actions: 'rejectStaleRequest' },
          { guard: 'isStaleResponse', actions: 'dropStaleResponse' },
          { actions: REDELIVER },
        ],
        RequestVoteRequest: [
          { guard: 'leaderKnownInTerm', actions: 'rejectVote' },
          { guard: 'canGrantVote', actions: ['grantVote', 'resetElectionTimer'] },
          { guard: 'votedForAnother', actions: 'rejectVote' },
          { guard: 'candidateLogBehind', actions: 'rejectVote' },
        ],
        PreVoteRequest: [
          { guard: 'canGrantPreVote', actions: 'grantPreVote' },
          { guard: 'canGrantPreVoteDespiteLeader', actions: 'grantPreVote' },
          { guard: 'canGrantPreVoteInOwnTerm', actions: 'grantPreVote' },
          { guard: 'preVoteTermNotAhead', actions: 'rejectPreVote' },
          { guard: 'hasCurrentLeader', actions: 'rejectPreVote' },
          { guard: 'candidateLogBehind', actions: 'rejectPreVote' },
        ],
        Crash: [
          { guard: 'commitIndexPersisted', target: 'crashed', actions: 'loseVolatileStateKeepingCommit' },
          { target: 'crashed', actions: 'loseVolatileState' },
        ],
        Tick: onElectionTick,
      },
      states: {
        follower: {
          on: {
            ElectionTimeout: onElectionTimeout,
            AppendEntriesRequest: [
              {
                guard: 'prevLogBelowCommit',
                actions: ['recognizeLeader', 'replyAppendAtCommit', 'resetElectionTimer'],
              },
              {
                guard: 'prevLogMatches',
                actions: [
                  'recognizeLeader',
                  'appendEntries',
                  'advanceFollowerCommit',
                  'replyAppendSuccess',
                  'resetElectionTimer',
                ],
              },
              {
                guard: 'prevLogBeyondEnd',
                actions: ['recognizeLeader', 'replyAppendFailure', 'resetElectionTimer'],
              },
              {
                guard: 'prevLogTermMismatch',
                actions: ['recognizeLeader', 'replyAppendFailure', 'resetElectionTimer'],
              },
            ],
          },
        },
        preCandidate: {
          on: {
            ElectionTimeout: onElectionTimeout,
            PreVoteResponse: [
              { guard: 'preVoteGranted', actions: 'recordGrantedVote' },
              { guard: 'ownTermPreVoteGranted', actions: 'recordGrantedVote' },
              { guard: 'preVoteDenied', actions: 'recordDeniedVote' },
            ],
            AppendEntriesRequest: onAppendEntriesFromLeader,
          },
          always: [
            {
              guard: 'hasVoteQuorum',
              target: 'candidate',
              actions: ['startElection', 'broadcastRequestVote', 'resetElectionTimer'],
            },
            onElectionLost,
          ],
        },
        candidate: {
          on: {
            ElectionTimeout: [
              {
                guard: 'retriesWithElection',
                target: 'candidate',
                actions: ['startElection', 'broadcastRequestVote', 'resetElectionTimer'],
              },
              ...onElectionTimeout,
            ],
            RequestVoteResponse: [
              { guard: 'voteGranted', actions: 'recordGrantedVote' },
              { guard: 'voteDenied', actions: 'recordDeniedVote' },
            ],
            AppendEntriesRequest: onAppendEntriesFromLeader,
          },
          always: [
            {
              guard: 'hasVoteQuorumWithNoOpAfterFirstAppend',
              target: 'leader',
              actions: [
                'becomeLeader',
                'startQuorumCheck',
                'sendAppendEntries',
                'appendLeaderNoOp',
                'advanceCommitIndex',
                'resetElectionTimer',
                'resetHeartbeatTimer',
              ],
            },
            {
              guard: 'hasVoteQuorumWithLeaderNoOp',
              target: 'leader',
              actions: [
                'becomeLeader',
                'startQuorumCheck',
                'appendLeaderNoOp',
                'advanceCommitIndex',
                'sendAppendEntries',
                'resetElectionTimer',
                'resetHeartbeatTimer',
              ],
            },
            {
              guard: 'hasVoteQuorum',
              target: 'leader',
              actions: [
                'becomeLeader',
                'startQuorumCheck',
                'sendAppendEntries',
                'resetElectionTimer',
                'resetHeartbeatTimer',
              ],
            },
            onElectionLost,
          ],
        },
        leader: {
          on: {
            ElectionTimeout: onQuorumCheck,
            HeartbeatTimeout: { actions: ['sendAppendEntries', 'resetHeartbeatTimer'] },
            Tick: onHeartbeatTick,
            ClientRequest: { actions: ['appendClientEntry', 'advanceCommitIndex'] },
            AppendEntriesResponse: [
              {
                guard: 'requestSuccessReachesNoOp',
                actions: afterSuccessSendingNoOp('recordRequestReplication'),
              },
              {
                guard: 'successAnswersRequest',
                actions: ['noteHeardFrom', 'recordRequestReplication', 'advanceCommitIndex'],
              },
              { guard: 'appendSuccessReachesNoOp', actions: afterSuccessSendingNoOp('recordReplication') },
              {
                guard: 'appendSucceeded',
                actions: ['noteHeardFrom', 'recordReplication', 'advanceCommitIndex'],
              },
              { guard: 'hintedRejection', actions: ['noteHeardFrom', 'backOffToHint'] },
              { guard: 'appendRejected', actions: ['noteHeardFrom', 'backOffNextIndex'] },
            ],
          },
        },
      },
    },
    crashed: {
      on: {
        Restart: { target: 'running' },
      },
    },
  },
} as const;

/** The rule implementations a machine is built from; model mutations replace some of them. */
export interface NodeImplementations {
  readonly guards: Readonly<Record<string, Guard>>;
  readonly updates: Readonly<Record<string, Update>>;
}

export const defaultImplementations: NodeImplementations = {
  guards: defaultGuards,
  updates: defaultUpdates,
};

/** The message carried by a `Receive`, or the already-dispatched message itself. */
export function messageOf(event: NodeEvent): Message {
  return event.type === 'Receive' ? event.message : (event as Message);
}

export function createNodeMachine(implementations: NodeImplementations = defaultImplementations) {
  const guards = Object.fromEntries(
    Object.entries(implementations.guards).map(([name, guard]) => [
      name,
      ({ context, event }: { context: NodeContext; event: NodeEvent }) => guard(context, event),
    ]),
  );
  const actions = Object.fromEntries(
    Object.entries(implementations.updates).map(([name, update]) => [
      name,
      assign(({ context, event }: { context: NodeContext; event: NodeEvent }) => update(context, event)),
    ]),
  );
  return setup({
    types: {
      context: {} as NodeContext,
      events: {} as NodeEvent,
      input: {} as NodeSetup,
    },
    // biome-ignore lint/suspicious/noExplicitAny: names are checked against the config by a test
    guards: guards as any,
    actions: {
      // biome-ignore lint/suspicious/noExplicitAny: names are checked against the config by a test
      ...(actions as any),
      [REDELIVER]: raise(({ event }: { event: NodeEvent }) => messageOf(event)),
      ...Object.fromEntries(Object.entries(RAISED_TIMEOUTS).map(([name, timeout]) => [name, raise(timeout)])),
    },
  }).createMachine({
    ...nodeMachineConfig,
    context: ({ input }: { input: NodeSetup }) => initialContext(input),
    // biome-ignore lint/suspicious/noExplicitAny: the config is a readonly literal; XState wants mutable arrays
  } as any);
}

export const nodeMachine = createNodeMachine();
export type NodeMachine = ReturnType<typeof createNodeMachine>;
