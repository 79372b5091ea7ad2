import { describe, expect, it } from 'vitest';
import {
  type ClusterState,
  initialClusterState,
  leadersKeepNextAboveMatch,
  propertyNamed,
  type StateProperty,
} from '../../models/index.ts';
import { boundsOf, clusterConfigOf, runCheck } from '../../src/cli/commands/check.ts';
import { findShortestPath, replay } from '../../src/explore/index.ts';
import { settings } from './support.ts';

/**
 * The two always-properties that give preVoteRefusalTerm and ignoreStaleRejections a
 * planted bug the checker can catch (docs/model.md, "A planted bug per switch"): what each
 * says, that the clean model keeps it, and that it is not vacuous.
 */

const termsStarted = propertyNamed('Terms are started by candidates') as StateProperty;
const nextAboveMatch = propertyNamed('nextIndex above matchIndex') as StateProperty;

/** The initial cluster with each server's term and vote set by hand: "2/n1 2/- 1/n3" (term/votedFor). */
function withTerms(spec: string): ClusterState {
  const state = initialClusterState(clusterConfigOf(settings()));
  const votes = spec.split(' ').map((s) => s.split('/'));
  const nodes = state.nodes.map((n, i) => ({
    ...n,
    context: {
      ...n.context,
      currentTerm: Number(votes[i][0]),
      votedFor: votes[i][1] === '-' ? null : votes[i][1],
    },
  }));
  return { ...state, nodes };
}

describe('Terms are started by candidates', () => {
  // §5.2: "To begin an election, a follower increments its current term and transitions to
  // candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each
  // of the other servers in the cluster." Reference: §5.2, §5.1.
  const config = clusterConfigOf(settings());

  it('holds when a server of the highest term voted for itself, fails when none did', () => {
    const holds = (spec: string) => termsStarted.holds(config, withTerms(spec));
    expect(holds('0/- 0/- 0/-')).toBe(true);
    expect(holds('2/n1 2/- 1/n3')).toBe(true);
    // n2 holds term 2, and so does n3, which voted for n1 in it: nobody started term 2.
    expect(holds('1/n1 2/- 2/n1')).toBe(false);
    // A vote for itself in a lower term does not start the highest one.
    expect(holds('1/n1 2/n3 0/-')).toBe(false);
  });

  it('holds across crashes: the candidate that crashed keeps its term and vote (persistent state)', () => {
    // Figure 2: currentTerm and votedFor are "persistent state on all servers".
    const { result } = runCheck(settings({ drop: false, crashes: 1 }));
    expect(result.stoppedBy).toBe('exhausted');
    expect(result.distinct).toBe(76_119);
    expect(result.properties.find((p) => p.property === termsStarted)?.status).toBe('pass');
    expect(result.properties.filter((p) => p.status === 'fail')).toEqual([]);
  });
});

describe('nextIndex above matchIndex (the promise of ignoreStaleRejections)', () => {
  // Figure 2, State: matchIndex is the "index of highest log entry known to be replicated on
  // server"; ignoreStaleRejections keeps nextIndex above it (etcd tracker/progress.go:37,
  // "Invariant: 0 <= Match < Next"). Reference: §5.3.
  it('is not applicable without the switch, and holds with it', () => {
    const off = runCheck(settings({ drop: false })).result;
    const offStatus = off.properties.find((p) => p.property === nextAboveMatch);
    expect(offStatus?.status).toBe('not-applicable');
    expect(offStatus?.reason).toBe('ignoreStaleRejections is off');
    const on = runCheck(settings({ drop: false, features: { ignoreStaleRejections: true } })).result;
    expect(on.properties.find((p) => p.property === nextAboveMatch)?.status).toBe('pass');
  });

  it("is the switch's doing: without it, a stale rejection after a success takes nextIndex to matchIndex", () => {
    // Figure 2, Leaders: "If AppendEntries fails because of log inconsistency: decrement
    // nextIndex and retry", unbounded below: the leader's two heartbeats to a follower are
    // answered false then true, and the false arrives last.
    // Reliable network (3,093 states; 24 steps on the lossy default, a slower search).
    const s = settings({ drop: false });
    const config = clusterConfigOf(s);
    const broken = (state: ClusterState) => !leadersKeepNextAboveMatch(state);
    const path = findShortestPath(config, boundsOf(s), broken, { symmetry: true });
    expect(path?.actions).toHaveLength(32);
    const states = replay(config, path?.actions ?? []);
    expect(broken(states[states.length - 1])).toBe(true);
    expect(path?.actions.slice(-2)).toMatchObject([
      { type: 'Deliver', message: { type: 'AppendEntriesResponse', success: true, matchIndex: 1 } },
      { type: 'Deliver', message: { type: 'AppendEntriesResponse', success: false } },
    ]);
  });
});
