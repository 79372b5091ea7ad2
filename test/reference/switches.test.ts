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
      if (answered)
        harness.deliver({
          type: 'AppendEntriesResponse',
          from: 'n2',
          to: 'n1',
          term: 1,
          success: true,
          matchIndex: 1,
        });
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
});
