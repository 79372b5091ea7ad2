/**
 * Named mutants of the reference implementation. Each reproduces one class of real Raft
 * bugs from docs/bugs.md (the number is the class), reachable in step mode. `raftkit mutants`
 * runs the conformance suite against each and shows which scenarios kill it.
 *
 * A mutant is a name the node checks at one place in its code (`this.has('…')`), so the
 * faulty line sits right next to the correct one.
 */
export interface MutantInfo {
  readonly name: string;
  /** Class number in docs/bugs.md. */
  readonly bug: number;
  /** The wrong behaviour, in one sentence. */
  readonly description: string;
  /** Needs the implementation's own clock (`tick`) to show. */
  readonly needsTicks?: boolean;
}

export const MUTANTS = [
  {
    name: 'vote-not-durable',
    bug: 1,
    description:
      'grants a vote without syncing votedFor first; a crash loses the vote (two writes, like hashicorp/raft#661)',
  },
  {
    name: 'term-not-durable',
    bug: 1,
    description: 'adopts a higher term without syncing it; a restarted node is back in an older term',
  },
  {
    name: 'vote-cleared-on-append',
    bug: 2,
    description:
      'clears votedFor when it hears from the leader of the same term, so it can vote again in that term',
  },
  {
    name: 'vote-cleared-on-step-down',
    bug: 2,
    description: 'a candidate that steps down for a leader of its own term forgets it voted for itself',
  },
  {
    name: 'vote-without-log-check',
    bug: 4,
    description: 'grants a vote without the §5.4.1 "at least as up-to-date" check',
  },
  {
    name: 'vote-log-length-only',
    bug: 4,
    description: "compares log length only, not the last entry's term (§5.4.1)",
  },
  {
    name: 'vote-index-when-terms-differ',
    bug: 4,
    description: "too strict: also demands a longer log when the candidate's last term is higher",
  },
  {
    name: 'denied-vote-counted',
    bug: 4,
    description: 'a candidate counts a denied vote as granted (a "higher vote adopted as granted")',
  },
  {
    name: 'higher-term-response-ignored',
    bug: 5,
    description: 'a leader or candidate ignores the higher term in a response and keeps its role',
  },
  {
    name: 'stale-term-in-reply',
    bug: 5,
    description: 'replies to a higher-term request carry the old term (reply built before the term update)',
  },
  {
    name: 'stale-append-dropped',
    bug: 5,
    description:
      'drops an AppendEntries from an older term without answering, so a deposed leader never learns it and heartbeats on',
  },
  {
    name: 'timer-reset-on-rejected-vote',
    bug: 6,
    description:
      'resets the election timer on every RequestVote, also one it rejects (a stale candidate starves the rest)',
    needsTicks: true,
  },
  {
    name: 'skip-consistency-check',
    bug: 11,
    description: 'accepts AppendEntries without checking prevLogIndex/prevLogTerm (Figure 2 AE rule 2)',
  },
  {
    name: 'commit-previous-term',
    bug: 15,
    description: 'a leader commits an entry of an earlier term because it is on a majority (Figure 8)',
  },
  {
    name: 'ack-before-persist',
    bug: 18,
    description: 'a follower acknowledges entries before they are synced; a crash loses acknowledged entries',
  },
  {
    name: 'panic-on-reordered-reply',
    bug: 23,
    description:
      'asserts that AppendEntries replies arrive in order, and aborts on a reordered or duplicated one',
  },
  {
    name: 'commit-index-regresses',
    bug: 24,
    description:
      'sets commitIndex from a delayed AppendEntries even when it is lower, so entries are applied twice',
  },
  {
    name: 'commit-beyond-last-new-entry',
    bug: 24,
    description:
      'sets commitIndex = leaderCommit without the min(…, index of last new entry) of Figure 2 AE rule 5',
  },
  {
    name: 'pre-vote-bumps-term',
    bug: 9,
    description:
      'a pre-candidate increments its currentTerm when it starts a pre-vote, so a rejoining node still disrupts',
  },
  {
    name: 'pre-vote-rejection-term-ignored',
    bug: 10,
    description:
      'a pre-candidate ignores the higher term carried by a pre-vote rejection, so a node that was isolated never catches up (etcd-io/etcd#8243)',
  },
  {
    name: 'stale-pre-vote-dropped',
    bug: 10,
    description:
      'drops a pre-vote request from an older term without answering, so its sender never learns the newer term (etcd-io/etcd#8243)',
  },
  {
    name: 'pre-vote-ignores-leader',
    bug: 9,
    description:
      'grants pre-votes while it hears from a current leader (no leader stickiness, thesis §4.2.3)',
  },
] as const satisfies readonly MutantInfo[];

export type MutantName = (typeof MUTANTS)[number]['name'];

export function findMutant(name: string): MutantInfo | undefined {
  return MUTANTS.find((m) => m.name === name);
}
