import { describe, expect, it } from 'vitest';
import { initialNodeState, makeFeatures, type NodeInput, type NodeState, step } from '../../models/index.ts';

/**
 * The timers in the model (models/node/timers.ts): logical ticks with Figure 2's reset
 * rules. Figure 2, Followers: "If election timeout elapses without receiving AppendEntries
 * RPC from current leader or granting vote to candidate: convert to candidate".
 */
const CLUSTER = ['n1', 'n2', 'n3'];
const tick = (electionTimeout = 3, heartbeatTimeout = 2): NodeInput => ({
  type: 'Tick',
  electionTimeout,
  heartbeatTimeout,
});

function run(state: NodeState, inputs: readonly NodeInput[]): NodeState {
  return inputs.reduce((s, input) => step(s, input).state, state);
}

const follower = () => initialNodeState({ id: 'n1', cluster: CLUSTER, features: makeFeatures() });
const heartbeatFrom = (term: number): NodeInput => ({
  type: 'Receive',
  message: {
    type: 'AppendEntriesRequest',
    from: 'n2',
    to: 'n1',
    term,
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    leaderCommit: 0,
  },
});
const voteRequest = (term: number, from = 'n2'): NodeInput => ({
  type: 'Receive',
  message: { type: 'RequestVoteRequest', from, to: 'n1', term, lastLogIndex: 0, lastLogTerm: 0 },
});

describe('timers as logical ticks (Figure 2, §5.2)', () => {
  it('the tick that reaches the election timeout starts an election, not one before (Reference: Figure 2, Followers)', () => {
    const twoTicks = run(follower(), [tick(), tick()]);
    expect(twoTicks.role).toBe('follower');
    expect(twoTicks.context.electionElapsed).toBe(2);
    const third = step(twoTicks, tick());
    expect(third.state.role).toBe('candidate');
    expect(third.state.context.currentTerm).toBe(1);
    expect(third.outputs.map((m) => m.type)).toEqual(['RequestVoteRequest', 'RequestVoteRequest']);
    // Candidates: "reset election timer" on starting the election.
    expect(third.state.context.electionElapsed).toBe(0);
  });

  it('an AppendEntries from the current leader restarts the election timer (Reference: Figure 2, Followers)', () => {
    const s = run(follower(), [tick(), tick(), heartbeatFrom(1)]);
    expect(s.context.electionElapsed).toBe(0);
    expect(run(s, [tick(), tick()]).role).toBe('follower');
  });

  it('granting a vote restarts the election timer; refusing one does not (Reference: Figure 2, Followers; BUGS.md #6)', () => {
    const granted = run(follower(), [tick(), tick(), voteRequest(1)]);
    expect(granted.context.votedFor).toBe('n2');
    expect(granted.context.electionElapsed).toBe(0);
    const refused = run(granted, [tick(), voteRequest(1, 'n3')]);
    expect(refused.context.votedFor).toBe('n2');
    expect(refused.context.electionElapsed).toBe(1);
  });

  it('a higher term alone does not restart the election timer (Reference: Figure 2, Followers; etcd-io/raft#167)', () => {
    const behind: NodeInput = {
      type: 'Receive',
      message: { type: 'RequestVoteRequest', from: 'n2', to: 'n1', term: 5, lastLogIndex: 0, lastLogTerm: 0 },
    };
    const withLog = run(follower(), [{ type: 'ElectionTimeout' }, heartbeatFrom(1)]);
    const s = step(withLog, {
      type: 'Receive',
      message: {
        type: 'AppendEntriesRequest',
        from: 'n2',
        to: 'n1',
        term: 1,
        prevLogIndex: 0,
        prevLogTerm: 0,
        entries: [{ term: 1, value: 'x' }],
        leaderCommit: 0,
      },
    }).state;
    const after = run(s, [tick(), behind]);
    expect(after.context.currentTerm).toBe(5);
    expect(after.context.votedFor).toBe(null);
    expect(after.context.electionElapsed).toBe(1);
  });

  it('a candidate re-arms on every new election (Reference: Figure 2, Candidates)', () => {
    const candidate = run(follower(), [tick(1)]);
    expect(candidate.role).toBe('candidate');
    const again = run(candidate, [tick(), tick(), tick()]);
    expect(again.context.currentTerm).toBe(2);
    expect(again.context.electionElapsed).toBe(0);
  });

  it('a leader heartbeats every heartbeat interval and never times out its election (Reference: Figure 2, Leaders)', () => {
    const candidate = run(follower(), [tick(1)]);
    const leader = run(candidate, [
      {
        type: 'Receive',
        message: { type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true },
      },
    ]);
    expect(leader.role).toBe('leader');
    expect(leader.context.heartbeatElapsed).toBe(0);
    const first = step(leader, tick(3, 2));
    expect(first.outputs).toEqual([]);
    const second = step(first.state, tick(3, 2));
    expect(second.outputs.map((m) => `${m.type}->${m.to}`)).toEqual([
      'AppendEntriesRequest->n2',
      'AppendEntriesRequest->n3',
    ]);
    expect(second.state.context.heartbeatElapsed).toBe(0);
    const many = run(
      second.state,
      Array.from({ length: 10 }, () => tick(3, 2)),
    );
    expect(many.role).toBe('leader');
    expect(many.context.electionElapsed).toBe(0);
  });

  it('a crash loses the timers, which are volatile (Reference: Figure 2, State)', () => {
    const s = run(follower(), [tick(), tick(), { type: 'Crash' }, { type: 'Restart' }]);
    expect(s.context.electionElapsed).toBe(0);
  });

  it('with CheckQuorum a leader ticked for an election timeout runs its quorum check: alone it steps down, with a majority it stays (Reference: thesis §6.2; etcd tickHeartbeat)', () => {
    const quorumFollower = () =>
      initialNodeState({ id: 'n1', cluster: CLUSTER, features: makeFeatures({ checkQuorum: true }) });
    const elected = run(quorumFollower(), [
      tick(1),
      {
        type: 'Receive',
        message: { type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true },
      },
    ]);
    expect(elected.role).toBe('leader');
    const heard: NodeInput = {
      type: 'Receive',
      message: { type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 1, success: true, matchIndex: 0 },
    };
    // "a leader steps down if an election timeout elapses without a successful round of
    // heartbeats to a majority of its cluster": a round starts on election and at each check.
    const threeTicks = [tick(3, 5), tick(3, 5), tick(3, 5)];
    const twoTicks = run(elected, [heard, tick(3, 5), tick(3, 5)]);
    expect(twoTicks.role).toBe('leader');
    expect(twoTicks.context.electionElapsed).toBe(2);
    const checked = step(twoTicks, tick(3, 5)).state;
    expect(checked.role).toBe('leader');
    expect(checked.context.electionElapsed).toBe(0);
    expect(run(checked, [heard, ...threeTicks]).role).toBe('leader');
    const alone = run(checked, threeTicks);
    expect(alone.role).toBe('follower');
    expect(alone.context.currentTerm).toBe(1);
  });
});

/**
 * The electionTimerOnHigherTerm switch (models/features.ts). Figure 2, Rules for All Servers:
 * "If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to
 * follower (§5.1)" — whether that conversion also restarts the election timer is where
 * implementations differ: etcd's `becomeFollower` always resets it (raft.go:700-702 → reset,
 * :617 `electionElapsed = 0`), canonical raft's `convertToFollower` only when the node was not a
 * follower (recv.c:138-141, convert.c:136), the default model never (BUGS.md #6).
 */
describe('electionTimerOnHigherTerm (Figure 2, Rules for All Servers; thesis §6.2)', () => {
  type Value = 'keep' | 'leader' | 'leader-or-candidate' | 'always';
  const node = (electionTimerOnHigherTerm: Value) =>
    initialNodeState({
      id: 'n1',
      cluster: CLUSTER,
      features: makeFeatures({ checkQuorum: true, electionTimerOnHigherTerm }),
    });
  const grant: NodeInput = {
    type: 'Receive',
    message: { type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true },
  };
  // A refusal from a later term: it carries the higher term and nothing that restarts a timer (no vote granted, no leader).
  const refusalOfTerm7: NodeInput = {
    type: 'Receive',
    message: { type: 'RequestVoteResponse', from: 'n3', to: 'n1', term: 7, voteGranted: false },
  };
  // Each role with two ticks on its election timer (a leader's counts toward its quorum check).
  const roles = {
    follower: (v: Value) => run(node(v), [tick(9), tick(9)]),
    candidate: (v: Value) => run(node(v), [tick(1), tick(9), tick(9)]),
    leader: (v: Value) => run(node(v), [tick(1), grant, tick(9, 5), tick(9, 5)]),
  };
  const restarts: Record<Value, readonly (keyof typeof roles)[]> = {
    keep: [],
    leader: ['leader'],
    'leader-or-candidate': ['leader', 'candidate'],
    always: ['leader', 'candidate', 'follower'],
  };

  for (const [value, restarted] of Object.entries(restarts) as [Value, (keyof typeof roles)[]][]) {
    for (const [role, reach] of Object.entries(roles)) {
      const expected = restarted.includes(role as keyof typeof roles) ? 0 : 2;
      it(`${value}: a ${role} that sees a higher term becomes a follower with ${expected} ticks on its election timer`, () => {
        const before = reach(value);
        expect(before.role).toBe(role);
        expect(before.context.electionElapsed).toBe(2);
        const after = step(before, refusalOfTerm7).state;
        // "set currentTerm = T, convert to follower (§5.1)".
        expect(after.role).toBe('follower');
        expect(after.context.currentTerm).toBe(7);
        expect(after.context.electionElapsed).toBe(expected);
      });
    }
  }

  it('keep: the follower a CheckQuorum leader becomes fires after the ticks its quorum check had left (Reference: thesis §6.2)', () => {
    const stepped = step(roles.leader('keep'), refusalOfTerm7).state;
    const sixTicks = run(
      stepped,
      Array.from({ length: 6 }, () => tick(9)),
    );
    expect(sixTicks.role).toBe('follower');
    expect(step(sixTicks, tick(9)).state.role).toBe('candidate');
    // leader: the same follower starts from zero and needs all nine ticks.
    const restarted = step(roles.leader('leader'), refusalOfTerm7).state;
    expect(
      run(
        restarted,
        Array.from({ length: 8 }, () => tick(9)),
      ).role,
    ).toBe('follower');
  });
});
