import type { Message, NodeInput, NodeState } from '../../models/index.ts';
import { serializeNode, stepExplained } from '../../models/index.ts';

/**
 * The implementation's own timers, as the acceptor sees them during `tick` steps. The
 * model has no clock (timers are inputs), so the runner keeps, per node, the ticks since
 * each timer was last reset, and resets them from the names of the transitions the model
 * took — Figure 2, Followers: "If election timeout elapses without receiving AppendEntries
 * RPC from current leader or granting vote to candidate: convert to candidate":
 *
 * - the election timer restarts when the node grants a vote (`grantVote`), hears from the
 *   leader of its term (`recognizeLeader`), starts an election or a pre-vote
 *   (`startElection`, `startPreVote`), becomes or stops being leader, or restarts;
 * - and at nothing else: not on a rejected vote request nor on a higher term alone
 *   (BUGS.md #6, etcd-io/raft#167);
 * - a leader's heartbeat timer restarts when it becomes leader and when it fires.
 */

export interface TimerState {
  /** Ticks since the election timer was reset. */
  readonly election: number;
  /** Ticks since the leader's heartbeat timer was reset. */
  readonly heartbeat: number;
}

export const FRESH_TIMERS: TimerState = { election: 0, heartbeat: 0 };

export interface TickTiming {
  readonly electionMin: number;
  readonly electionMax: number;
  readonly heartbeat: number;
}

const ELECTION_RESETS = new Set(['grantVote', 'recognizeLeader', 'startElection', 'startPreVote']);

/** The timers after the model node took `actions` from `before` to `after`. */
export function resetTimers(
  timers: TimerState,
  before: NodeState,
  after: NodeState,
  actions: readonly string[],
  input: NodeInput['type'] | null,
): TimerState {
  let { election, heartbeat } = timers;
  const leadership = (before.role === 'leader') !== (after.role === 'leader');
  if (leadership || input === 'Restart' || actions.some((a) => ELECTION_RESETS.has(a))) election = 0;
  if (
    (after.role === 'leader' && before.role !== 'leader') ||
    (input === 'HeartbeatTimeout' && after.role === 'leader')
  ) {
    heartbeat = 0;
  }
  return election === timers.election && heartbeat === timers.heartbeat ? timers : { election, heartbeat };
}

/** One way the ticks may have gone: the timeouts that fired, in order, and their effect. */
export interface TickBranch {
  readonly fired: readonly ('ElectionTimeout' | 'HeartbeatTimeout')[];
  readonly state: NodeState;
  readonly timers: TimerState;
  readonly sent: readonly Message[];
  readonly actions: readonly string[];
}

const MAX_BRANCHES = 64;

function fire(branch: TickBranch, input: 'ElectionTimeout' | 'HeartbeatTimeout'): TickBranch {
  const result = stepExplained(branch.state, { type: input });
  const actions = result.taken.flatMap((t) => t.actions);
  return {
    fired: [...branch.fired, input],
    state: result.state,
    timers: resetTimers(branch.timers, branch.state, result.state, actions, input),
    sent: [...branch.sent, ...result.outputs],
    actions: [...branch.actions, ...actions],
  };
}

/**
 * Every outcome the model allows for `ticks` ticks of a node's clock, given the
 * implementation's timeout range. With a fixed timeout (min = max) there is exactly one.
 */
export function tickBranches(
  state: NodeState,
  timers: TimerState,
  ticks: number,
  timing: TickTiming,
): TickBranch[] {
  let branches: TickBranch[] = [{ fired: [], state, timers, sent: [], actions: [] }];
  for (let t = 0; t < ticks; t++) {
    const next: TickBranch[] = [];
    const keep = (b: TickBranch) => next.push(b);
    for (const b of branches) {
      const role = b.state.role;
      if (role === 'crashed') {
        keep(b);
      } else if (role === 'leader') {
        const ticked = { ...b, timers: { election: 0, heartbeat: b.timers.heartbeat + 1 } };
        keep(ticked.timers.heartbeat >= timing.heartbeat ? fire(ticked, 'HeartbeatTimeout') : ticked);
      } else {
        const ticked = { ...b, timers: { ...b.timers, election: b.timers.election + 1 } };
        const elapsed = ticked.timers.election;
        if (elapsed >= timing.electionMax) keep(fire(ticked, 'ElectionTimeout'));
        else if (elapsed >= timing.electionMin) {
          keep(ticked);
          keep(fire(ticked, 'ElectionTimeout'));
        } else keep(ticked);
      }
    }
    branches = next.length === 1 ? next : distinct(next);
  }
  return branches;
}

/** Branches that differ (by state, timers and timeouts fired), at most MAX_BRANCHES. */
function distinct(branches: readonly TickBranch[]): TickBranch[] {
  const byKey = new Map<string, TickBranch>();
  for (const b of branches) {
    const key = `${serializeNode(b.state)}|${b.timers.election}|${b.timers.heartbeat}|${b.fired.join(',')}`;
    if (!byKey.has(key) && byKey.size < MAX_BRANCHES) byKey.set(key, b);
  }
  return [...byKey.values()];
}
