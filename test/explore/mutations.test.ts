import { describe, expect, it } from 'vitest';
import { MUTATION_NAMES, mutationNamed, PROPERTIES, type StepProperty } from '../../models/index.ts';
import { boundsOf, clusterConfigOf, runCheck } from '../../src/cli/commands/check.ts';
import { check, replay } from '../../src/explore/index.ts';
import { settings } from './support.ts';

/**
 * A checker that cannot find a planted bug proves nothing. Each model mutation breaks one
 * rule of Figure 2 (reproducing a bug class of BUGS.md); the checker must report the
 * property it breaks, with a shortest counterexample (BFS) of pinned length, and that
 * counterexample must replay from the initial state to a state (or step) that violates it.
 */
const cases = [
  {
    mutation: 'double-vote',
    // Figure 2 RequestVote rule 2: "If votedFor is null or candidateId … grant vote".
    s: settings({ mutation: 'double-vote' }),
    property: 'One vote per term',
    length: 4,
  },
  {
    mutation: 'no-log-check',
    // §5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the candidate".
    s: settings({ mutation: 'no-log-check' }),
    property: 'Leader Completeness',
    length: 14,
  },
  {
    mutation: 'no-step-down',
    // Figure 2, All Servers: "If … T > currentTerm: set currentTerm = T, convert to follower".
    s: settings({ mutation: 'no-step-down' }),
    property: 'Election Safety',
    length: 9,
  },
  {
    mutation: 'commit-previous-term',
    // §5.4.2, Figure 8: "Raft never commits log entries from previous terms by counting replicas".
    // Four terms are needed: t1 and t2 leaders append conflicting entries, the t3 leader
    // commits the t1 entry by counting replicas, the t4 leader lacks it.
    s: settings({ mutation: 'commit-previous-term', maxTerm: 4, drop: false }),
    property: 'Leader Completeness',
    length: 34,
    // The same bounds in the unmutated model: no violation (the defaults' clean run is the
    // `raftkit check` acceptance run, too slow to repeat here).
    cleanToo: true,
  },
  // One per switch whose rules safety depends on; each mutation turns its switches on.
  {
    mutation: 'quorum-step-down-forgets-vote',
    // Thesis §6.2 step-down keeps the term, and §5.2: "each server will vote for at most one candidate in a given term".
    s: settings({ mutation: 'quorum-step-down-forgets-vote', drop: false }),
    property: 'One vote per term',
    length: 4,
  },
  {
    mutation: 'sticky-grant-without-term',
    // Thesis §4.2.3: "it does not update its term or grant its vote".
    s: settings({ mutation: 'sticky-grant-without-term', drop: false }),
    property: 'One vote per term',
    length: 9,
  },
  {
    mutation: 'retry-without-self-vote',
    // Figure 2, Candidates: "increment currentTerm, vote for self" — on the direct retry too.
    // The retried term has no candidate voting in it at once; Election Safety falls at 18
    // steps (the test after this list).
    s: settings({ mutation: 'retry-without-self-vote', values: 0, maxLog: 0 }),
    property: 'Terms are started by candidates',
    length: 6,
  },
  {
    mutation: 'pre-vote-records-vote',
    // Thesis §9.6: a pre-vote changes no vote; §5.2: "each server will vote for at most one candidate in a given term".
    s: settings({ mutation: 'pre-vote-records-vote' }),
    property: 'One vote per term',
    length: 5,
  },
  {
    mutation: 'candidate-counts-pre-vote',
    // Figure 2, Candidates: "If votes received from majority of servers: become leader" — votes, not pre-votes.
    s: settings({ mutation: 'candidate-counts-pre-vote' }),
    property: 'Election Safety',
    length: 15,
  },
  {
    mutation: 'yield-forgets-vote',
    // §5.2: "each server will vote for at most one candidate in a given term" — a yield keeps the term, so it keeps the vote.
    s: settings({ mutation: 'yield-forgets-vote' }),
    property: 'One vote per term',
    length: 8,
  },
  {
    mutation: 'sticky-reply-grants-without-term',
    // Thesis §4.2.3: "it does not update its term or grant its vote" — the reply must refuse.
    s: settings({ mutation: 'sticky-reply-grants-without-term', drop: false }),
    property: 'One vote per term',
    length: 9,
  },
  {
    mutation: 'sticky-leader-vote-unchecked',
    // Figure 2, RequestVote rule 2: "If votedFor is null or candidateId … grant vote" — the known leader too.
    s: settings({ mutation: 'sticky-leader-vote-unchecked', drop: false }),
    property: 'One vote per term',
    length: 19,
  },
  {
    mutation: 'no-op-committed-at-once',
    // Figure 2, Leaders: commit N only when "a majority of matchIndex[i] ≥ N" (thesis §6.4: the no-op is committed by replication).
    s: settings({ mutation: 'no-op-committed-at-once' }),
    property: 'Leader Completeness',
    alsoFails: ['State Machine Safety'],
    length: 9,
  },
  {
    mutation: 'match-from-leader-log',
    // Figure 2, Leaders: "If successful: update nextIndex and matchIndex for follower (§5.3)" — from the request answered.
    s: settings({ mutation: 'match-from-leader-log' }),
    property: 'Leader Completeness',
    length: 11,
  },
  {
    mutation: 'hint-as-match',
    // Figure 2, State: matchIndex is the "index of highest log entry known to be replicated"; a rejection shows none.
    // Two conflicting versions of index 1 (terms 1 and 2), a term-3 commit counting the
    // rejecting follower, and a term-4 leader without it: max term 4, max log 2.
    s: settings({ mutation: 'hint-as-match', maxTerm: 4, maxLog: 2, drop: false, duplicate: false }),
    property: 'Leader Completeness',
    length: 32,
  },
  {
    mutation: 'shared-handler-records-pre-vote',
    // Thesis §9.6: a pre-vote changes no vote (etcd raft.go:975 "Only record real votes"); §5.2 one vote per term.
    s: settings({ mutation: 'shared-handler-records-pre-vote' }),
    property: 'One vote per term',
    length: 10,
  },
  {
    mutation: 'restart-commits-whole-log',
    // Figure 2: commitIndex is the "index of highest log entry known to be committed"; a crash is needed.
    s: settings({ mutation: 'restart-commits-whole-log', crashes: 1 }),
    property: 'Leader Completeness',
    length: 11,
  },
  {
    mutation: 'below-commit-claims-request',
    // Figure 2, Leaders: matchIndex is the "highest log entry known to be replicated". Two
    // AppendEntries to one follower in flight (the second, sent after a client request, carries
    // an entry the follower then claims without storing): max log 2, max in flight 4.
    s: settings({
      mutation: 'below-commit-claims-request',
      maxLog: 2,
      maxInFlight: 4,
      drop: false,
      duplicate: false,
    }),
    property: 'Leader Completeness',
    length: 27,
  },
  {
    mutation: 'echoed-refusal-adopts-term',
    // §5.2: "To begin an election, a follower increments its current term … It then votes for
    // itself": a pre-candidate that takes its own echoed term from a refusal is in a term no
    // candidate started.
    s: settings({ mutation: 'echoed-refusal-adopts-term' }),
    property: 'Terms are started by candidates',
    length: 11,
  },
  {
    mutation: 'stale-bound-off-by-one',
    // Figure 2: matchIndex is the "index of highest log entry known to be replicated", so the
    // next to send lies above it (etcd progress.go "Invariant: 0 <= Match < Next"). Two
    // rejections of one prevLogIndex (two heartbeats in flight) take nextIndex to 0.
    s: settings({ mutation: 'stale-bound-off-by-one' }),
    property: 'nextIndex above matchIndex',
    length: 20,
  },
];

describe('model mutations are caught with a counterexample', () => {
  it('covers every mutation', () => {
    const harmless = HARMLESS.map((h) => h.mutation);
    expect([...cases.map((c) => c.mutation), ...harmless].sort()).toEqual([...MUTATION_NAMES].sort());
    for (const name of harmless) expect(mutationNamed(name).harmless).toBeTruthy();
    for (const c of cases) expect(mutationNamed(c.mutation).harmless).toBeUndefined();
  });

  for (const c of cases) {
    it(`${c.mutation}: violates ${c.property} in ${c.length} steps, and the counterexample replays`, () => {
      const { result } = runCheck(c.s);
      const failed = result.properties.filter((p) => p.status === 'fail');
      expect(failed.map((p) => p.property.name)).toEqual([
        c.property,
        ...(('alsoFails' in c && c.alsoFails) || []),
      ]);
      const path = failed[0].path;
      expect(path?.actions).toHaveLength(c.length);

      // Replaying the actions from the initial state (in the mutated model) reaches the violation.
      const config = clusterConfigOf(c.s);
      const states = replay(config, path?.actions ?? []);
      const property = failed[0].property;
      const last = states[states.length - 1];
      if (property.scope === 'state') {
        expect(property.holds(config, last)).toBe(false);
        // ... and not earlier: the counterexample is shortest.
        for (const earlier of states.slice(0, -1)) expect(property.holds(config, earlier)).toBe(true);
      } else {
        const before = states[states.length - 2];
        const stepped = before.nodes.findIndex((n, i) => n !== last.nodes[i]);
        expect((property as StepProperty).holds(before.nodes[stepped], last.nodes[stepped])).toBe(false);
      }

      if ('cleanToo' in c) {
        const clean = runCheck({ ...c.s, mutation: null }).result;
        expect(clean.stoppedBy).toBe('exhausted');
        expect(clean.properties.filter((p) => p.status === 'fail')).toEqual([]);
      }
    });
  }
});

describe('a mutation caught by a stronger property still breaks the Figure 3 one', () => {
  it('retry-without-self-vote: with "Terms are started by candidates" left out, Election Safety fails in 18 steps', () => {
    // Figure 2, Candidates: "increment currentTerm, vote for self"; §5.2 "at most one leader … in a given term".
    const s = settings({ mutation: 'retry-without-self-vote', values: 0, maxLog: 0 });
    const properties = PROPERTIES.filter((p) => p.name !== 'Terms are started by candidates');
    const result = check({ config: clusterConfigOf(s), bounds: boundsOf(s), symmetry: true, properties });
    const failed = result.properties.filter((p) => p.status === 'fail');
    expect(failed.map((p) => p.property.name)).toEqual(['Election Safety']);
    expect(failed[0].path?.actions).toHaveLength(18);
  });
});

/**
 * The plausible bugs of switches that touch no vote, term, entry or matchIndex: the checker
 * explores a state space the bug changes (the count differs from the clean model's) and
 * finds every safety property holding. This is the evidence that those switches have no
 * safety-relevant mutation (docs/model.md, "A planted bug per switch").
 */
const HARMLESS = [
  {
    // Thesis §9.6: a pre-vote changes no term and no vote; §5.2: the real election still needs real votes.
    mutation: 'pre-vote-refusal-counted',
    s: settings({ mutation: 'pre-vote-refusal-counted', drop: false }),
  },
  {
    // §5.3: the consistency check decides what a follower stores, whatever nextIndex the leader picks.
    mutation: 'every-rejection-stale',
    s: settings({ mutation: 'every-rejection-stale', drop: false }),
  },
];

describe('plausible bugs that safety cannot see (switches without a safety-relevant mutation)', () => {
  for (const h of HARMLESS) {
    it(`${h.mutation}: changes the reachable states, every safety property holds`, () => {
      const { result } = runCheck(h.s);
      expect(result.stoppedBy).toBe('exhausted');
      expect(result.properties.filter((p) => p.status === 'fail')).toEqual([]);
      const clean = runCheck({ ...h.s, mutation: null, features: mutationNamed(h.mutation).features }).result;
      expect(result.distinct).not.toBe(clean.distinct);
    });
  }
});
