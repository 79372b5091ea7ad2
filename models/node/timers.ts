import type { ElectionTimeout, HeartbeatTimeout, Role, Tick } from '../types.ts';
import type { Update } from './actions.ts';
import type { CompiledMachine } from './compiled.ts';
import type { NodeContext } from './context.ts';
import type { NodeEvent } from './events.ts';
import type { Guard } from './guards.ts';

/**
 * The node's timers as logical ticks, as etcd's `tickElection` / `tickHeartbeat`: the node
 * counts the ticks since each timer was last reset (`electionElapsed`, `heartbeatElapsed`),
 * a `Tick` input advances the count, and a tick that reaches the timeout the environment
 * drew raises `ElectionTimeout` or `HeartbeatTimeout`, which the statechart handles as it
 * always has. When the timers restart is Figure 2's rule, written here once and attached to
 * the transitions it belongs to in `machine.ts`.
 *
 * The model checker never ticks: timeouts are its nondeterministic inputs, so the counts
 * stay 0 there and are left out of its state key (`src/explore/encode.ts`).
 */

function tickOf(event: NodeEvent): Tick {
  return event as Tick;
}

// ---------------------------------------------------------------- guards

/** Figure 2, Followers and Candidates: "If election timeout elapses": this tick reaches the election timeout (etcd `tickElection`: `pastElectionTimeout`). */
export const electionTimeoutElapsed: Guard = (context, event) =>
  context.electionElapsed + 1 >= tickOf(event).electionTimeout;

/** Figure 2, Leaders: heartbeats "repeat during idle periods to prevent election timeouts (§5.2)": this tick reaches the heartbeat interval (etcd `tickHeartbeat`). */
export const heartbeatIntervalElapsed: Guard = (context, event) =>
  context.heartbeatElapsed + 1 >= tickOf(event).heartbeatTimeout;

/**
 * CheckQuorum (thesis §6.2), a switch: "a leader steps down if an election timeout elapses
 * without a successful round of heartbeats to a majority": a leader's clock also counts the
 * election timeout, and the tick that reaches it raises the leader's ElectionTimeout, its
 * quorum check (etcd raft.go `tickHeartbeat`: `electionElapsed >= electionTimeout` →
 * `MsgCheckQuorum`). Without the switch a leader counts heartbeats only.
 */
export const quorumCheckDue: Guard = (context, event) =>
  context.features.checkQuorum && electionTimeoutElapsed(context, event);

/** CheckQuorum: this tick reaches both the quorum check and the heartbeat (etcd: the check first, then `MsgBeat`). */
export const quorumCheckAndHeartbeatDue: Guard = (context, event) =>
  quorumCheckDue(context, event) && heartbeatIntervalElapsed(context, event);

/**
 * The electionTimerOnHigherTerm switch: whether adopting a higher term restarts this node's
 * election timer, by the role it steps down from. Read before the term is adopted: a leader is
 * the node that names itself leader (`becomeLeader`), a (pre-)candidate the only role that holds
 * votes (`startElection` and `startPreVote` record its own; every other role's entry clears them).
 */
export function restartsTimerOnHigherTerm(context: NodeContext): boolean {
  const leader = context.leaderId === context.id;
  switch (context.features.electionTimerOnHigherTerm) {
    case 'always':
      return true;
    case 'leader-or-candidate':
      return leader || context.votesGranted.length > 0;
    case 'leader':
      return leader;
    default:
      return false;
  }
}

// ---------------------------------------------------------------- actions

/** §5.2: a follower or candidate's election timer counts one more tick (etcd `tickElection`). */
export const advanceElectionTimer: Update = (context) => ({
  ...context,
  electionElapsed: context.electionElapsed + 1,
});

/** §5.2: a leader's heartbeat timer counts one more tick (etcd `tickHeartbeat`). */
export const advanceHeartbeatTimer: Update = (context) => ({
  ...context,
  heartbeatElapsed: context.heartbeatElapsed + 1,
});

/** CheckQuorum: a leader's election timer counts one more tick (etcd `tickHeartbeat`); without the switch it stays put. */
export const advanceQuorumTimer: Update = (context, event) =>
  context.features.checkQuorum ? advanceElectionTimer(context, event) : context;

/**
 * Figure 2, Followers: "If election timeout elapses without receiving AppendEntries RPC from
 * current leader or granting vote to candidate: convert to candidate"; Candidates: "On
 * conversion to candidate, start election: … reset election timer". The election timer
 * restarts on an AppendEntries from the current leader, on granting a vote, on every new
 * election or pre-vote round and on becoming leader — and at nothing else: not on a refused
 * vote nor on a higher term alone (BUGS.md #6, etcd-io/raft#167). With CheckQuorum a leader's
 * election timer also restarts at each quorum check, as etcd's `tickHeartbeat` does. The
 * electionTimerOnHigherTerm switch restarts it on a higher term too (`restartsTimerOnHigherTerm`).
 */
export const resetElectionTimer: Update = (context) =>
  context.electionElapsed === 0 ? context : { ...context, electionElapsed: 0 };

/** Figure 2, Leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) …; repeat during idle periods": the heartbeat timer restarts on election and at every heartbeat. */
export const resetHeartbeatTimer: Update = (context) =>
  context.heartbeatElapsed === 0 ? context : { ...context, heartbeatElapsed: 0 };

/** Figure 2: a clock restarts from zero: timers are volatile state, lost in a crash. */
export function withFreshTimers(context: NodeContext): NodeContext {
  return context.electionElapsed === 0 && context.heartbeatElapsed === 0
    ? context
    : { ...context, electionElapsed: 0, heartbeatElapsed: 0 };
}

export const timerGuards = {
  electionTimeoutElapsed,
  heartbeatIntervalElapsed,
  quorumCheckDue,
  quorumCheckAndHeartbeatDue,
} satisfies Record<string, Guard>;

export const timerUpdates = {
  advanceElectionTimer,
  advanceQuorumTimer,
  advanceHeartbeatTimer,
  resetElectionTimer,
  resetHeartbeatTimer,
} satisfies Record<string, Update>;

// ---------------------------------------------------------------- raised timeouts

/** Figure 2, Followers: the election timer fires: the tick raises `ElectionTimeout` (etcd `MsgHup`). */
export const fireElectionTimeout: ElectionTimeout = { type: 'ElectionTimeout' };

/** Figure 2, Leaders: the heartbeat timer fires: the tick raises `HeartbeatTimeout` (etcd `MsgBeat`). */
export const fireHeartbeatTimeout: HeartbeatTimeout = { type: 'HeartbeatTimeout' };

/** Actions that raise a timeout instead of updating the context, by name. */
export const RAISED_TIMEOUTS: Readonly<Record<string, ElectionTimeout | HeartbeatTimeout>> = {
  fireElectionTimeout,
  fireHeartbeatTimeout,
};

/**
 * The timeouts a node's clock may fire in a role: the events its `Tick` transitions raise,
 * tried leaf first as the statechart does (an unguarded transition shadows the rest). A
 * leader's heartbeat, anyone else's election timeout, nothing for a crashed node.
 */
export function tickTimeouts(
  machine: CompiledMachine,
  role: Role,
): ('ElectionTimeout' | 'HeartbeatTimeout')[] {
  const fired = new Set<'ElectionTimeout' | 'HeartbeatTimeout'>();
  for (const t of machine.transitions.get(role)?.get('Tick') ?? []) {
    for (const a of t.actions) if (RAISED_TIMEOUTS[a] !== undefined) fired.add(RAISED_TIMEOUTS[a].type);
    if (t.guard === null) break;
  }
  return [...fired];
}
