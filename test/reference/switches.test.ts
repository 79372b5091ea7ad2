import { describe, expect, it } from 'vitest';
import type { AppendEntriesRequest, Message } from '../../models/types.ts';
import { ReferenceHarness, type ReferenceSwitches } from '../../src/reference/index.ts';
import { nextIndexAfterRejection, PAPER_BEHAVIOUR } from '../../src/reference/switches.ts';

/**
 * The back-off and CheckQuorum switches of the reference on hand-made steps (random single-node inputs
 * seldom give a leader a success and then a stale rejection from the same follower).
 * Reference: §5.3 ("If AppendEntries fails because of log inconsistency: decrement
 * nextIndex and retry"; "the protocol can be optimized to reduce the number of rejected
 * AppendEntries RPCs"); thesis §6.2 ("a leader steps down if an election timeout elapses
 * without a successful round of heartbeats to a majority of its cluster").
 */

const NODES = ['n1', 'n2', 'n3'];

function referenceWith(switches: Partial<ReferenceSwitches>): ReferenceHarness {
  const harness = new ReferenceHarness(undefined, { switches });
  harness.create({
    nodes: NODES,
    features: { preVote: false, checkQuorum: false },
    initial: {},
    timing: { electionTicks: 10, heartbeatTicks: 1, randomized: false },
    seed: 1,
  });
  return harness;
}

function leaderWithOneEntry(switches: Partial<ReferenceSwitches>): ReferenceHarness {
  const harness = referenceWith(switches);
  harness.timeout('n1', 'election');
  harness.deliver({ type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true });
  harness.propose('n1', 'x');
  return harness;
}

const N2_ACKS_ENTRY_1: Message = {
  type: 'AppendEntriesResponse',
  from: 'n2',
  to: 'n1',
  term: 1,
  success: true,
  matchIndex: 1,
};

function prevLogIndexTo(messages: readonly Message[], to: string): number {
  const request = messages.find((m) => m.type === 'AppendEntriesRequest' && m.to === to);
  return (request as AppendEntriesRequest).prevLogIndex;
}

/** n2 acknowledges entry 1, then a delayed rejection (of the leader's first heartbeat) arrives. */
function afterStaleRejection(switches: Partial<ReferenceSwitches>): number {
  const harness = leaderWithOneEntry(switches);
  const base = { type: 'AppendEntriesResponse' as const, from: 'n2', to: 'n1', term: 1 };
  harness.deliver({ ...base, success: true, matchIndex: 1 });
  harness.deliver({ ...base, success: false, matchIndex: 0 });
  return prevLogIndexTo(harness.timeout('n1', 'heartbeat').messages, 'n2');
}

describe('reference back-off switches', () => {
  it('by default a stale rejection moves nextIndex below matchIndex + 1 (Figure 2 as written)', () => {
    expect(afterStaleRejection({})).toBe(0);
  });

  it('with ignoreStaleRejections nextIndex stays at matchIndex + 1 (etcd tracker/progress.go:176)', () => {
    expect(afterStaleRejection({ ignoreStaleRejections: true })).toBe(1);
  });

  it("with backoff=hint a follower's rejection carries its last index, and only then", () => {
    const rejection = (switches: Partial<ReferenceSwitches>) => {
      const harness = referenceWith(switches);
      const request = { from: 'n1', to: 'n2', term: 1, prevLogTerm: 1, entries: [], leaderCommit: 0 };
      return harness.deliver({ type: 'AppendEntriesRequest', ...request, prevLogIndex: 3 }).messages[0];
    };
    expect(rejection({ backoff: 'hint' })).toMatchObject({ success: false, rejectHint: 0 });
    expect(rejection({})).not.toHaveProperty('rejectHint');
  });

  it('with backoff=hint the leader jumps to hint + 1, never below the floor', () => {
    const hint = { ...PAPER_BEHAVIOUR, backoff: 'hint' as const };
    expect(nextIndexAfterRejection(hint, { next: 9, match: 0 }, 2)).toBe(3);
    expect(nextIndexAfterRejection(hint, { next: 9, match: 0 }, 20)).toBe(8);
    expect(nextIndexAfterRejection(hint, { next: 9, match: 0 }, undefined)).toBe(8);
    expect(nextIndexAfterRejection({ ...hint, ignoreStaleRejections: true }, { next: 9, match: 5 }, 2)).toBe(
      6,
    );
    expect(nextIndexAfterRejection(PAPER_BEHAVIOUR, { next: 1, match: 0 }, 0)).toBe(1);
  });

  it('with checkQuorum a leader ticked for an election timeout steps down unless a majority answered (etcd tickHeartbeat)', () => {
    const tickedLeader = (switches: Partial<ReferenceSwitches>, answered: boolean) => {
      const harness = leaderWithOneEntry(switches);
      if (answered) harness.deliver(N2_ACKS_ENTRY_1);
      return harness.tick('n1', 10).state;
    };
    expect(tickedLeader({ checkQuorum: true }, false)).toMatchObject({
      role: 'follower',
      currentTerm: 1,
      votedFor: 'n1',
    });
    expect(tickedLeader({ checkQuorum: true }, true).role).toBe('leader');
    expect(tickedLeader({}, false).role).toBe('leader');
  });

  it("a leader's quorum check, fired by the harness, starts its election timer over as the clock's does (thesis §6.2; etcd raft.go:675-682 tickHeartbeat)", () => {
    const harness = leaderWithOneEntry({ checkQuorum: true });
    harness.tick('n1', 8);
    harness.deliver(N2_ACKS_ENTRY_1);
    expect(harness.timeout('n1', 'election').state.role).toBe('leader');
    // Nine ticks later a clock that had kept running from the election would have checked twice
    // (at 10, with no one heard since the check, and stepped down); this one has not checked yet.
    expect(harness.tick('n1', 9).state.role).toBe('leader');
    expect(harness.tick('n1', 1).state.role).toBe('follower');
  });
});

/**
 * Figure 2, Rules for All Servers: "If RPC request or response contains term T > currentTerm:
 * set currentTerm = T, convert to follower (§5.1)" — and whether the election timer restarts
 * with it (electionTimerOnHigherTerm; etcd raft.go:700-702 becomeFollower → reset, :617).
 */
describe('reference electionTimerOnHigherTerm', () => {
  /** n1 leads term 1 with CheckQuorum, 8 ticks into its quorum check, then learns of term 5; ticks until it campaigns. */
  function ticksToCampaignAfterStepDown(switches: Partial<ReferenceSwitches>): number {
    const harness = leaderWithOneEntry({ checkQuorum: true, ...switches });
    harness.tick('n1', 8);
    harness.deliver({ type: 'RequestVoteResponse', from: 'n3', to: 'n1', term: 5, voteGranted: false });
    for (let ticks = 1; ticks <= 20; ticks++) {
      if (harness.tick('n1', 1).state.role !== 'follower') return ticks;
    }
    return Number.POSITIVE_INFINITY;
  }

  it('keep: the follower a CheckQuorum leader becomes fires after the ticks its quorum check had left', () => {
    expect(ticksToCampaignAfterStepDown({})).toBe(2);
  });

  it('leader, leader-or-candidate, always: a leader stepping down starts its election timer over', () => {
    for (const value of ['leader', 'leader-or-candidate', 'always'] as const) {
      expect(ticksToCampaignAfterStepDown({ electionTimerOnHigherTerm: value })).toBe(10);
    }
  });

  it('a candidate keeps its ticks unless leader-or-candidate or always; a follower unless always', () => {
    const ticksLeft = (
      electionTimerOnHigherTerm: ReferenceSwitches['electionTimerOnHigherTerm'],
      candidate: boolean,
    ) => {
      const harness = referenceWith({ electionTimerOnHigherTerm });
      if (candidate) harness.timeout('n1', 'election');
      harness.tick('n1', 6);
      harness.deliver({ type: 'RequestVoteResponse', from: 'n3', to: 'n1', term: 5, voteGranted: false });
      let ticks = 0;
      while (harness.state('n1').role === 'follower' && ticks < 20) {
        harness.tick('n1', 1);
        ticks++;
      }
      return ticks;
    };
    expect([
      ticksLeft('keep', true),
      ticksLeft('leader', true),
      ticksLeft('leader-or-candidate', true),
    ]).toEqual([4, 4, 10]);
    expect([ticksLeft('leader-or-candidate', false), ticksLeft('always', false)]).toEqual([4, 10]);
  });
});
