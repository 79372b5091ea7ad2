import type { Features } from '../../models/features.ts';
import type { Role } from '../../models/types.ts';

/**
 * The implementation variants the reference can run with. Their NAMES and values are those
 * of `models/features.ts` (so a user, the kit and `init_ok.features` speak of the same
 * switch), but the behaviour behind each is written here from the cited sources — etcd raft
 * (`go.etcd.io/etcd/raft`, Debian golang-etcd-server-dev) and hashicorp/raft 1.1.2 — not
 * from the model: the reference stays a second, independent implementation under test.
 *
 * PreVote is not here: it is chosen per cluster (`create.features.preVote`); the leader
 * no-op has its own option (`NodeOptions.leaderNoOp`).
 */
export type ReferenceSwitches = Omit<Features, 'preVote' | 'leaderNoOp'>;

export type ReferenceSwitchName = keyof ReferenceSwitches;

/** Figure 2 as the paper writes it: every variant off. */
export const PAPER_BEHAVIOUR: ReferenceSwitches = {
  checkQuorum: false,
  noOpAfterFirstAppend: false,
  leaderStickiness: 'off',
  preVoteRefusalTerm: 'voter',
  candidateRetry: 'pre-vote',
  preVoteOwnTerm: false,
  backoff: 'decrement',
  ignoreStaleRejections: false,
  appendMatchFrom: 'response',
  yieldOnLostElection: false,
  preVoteStickiness: true,
  persistCommitIndex: false,
  appendBelowCommit: 'process',
  electionTimerOnHigherTerm: 'keep',
};

/** The switch names the reference implements (a switch of the model it lacks is refused, not ignored). */
export const REFERENCE_SWITCH_NAMES = Object.keys(PAPER_BEHAVIOUR) as readonly ReferenceSwitchName[];

/**
 * nextIndex after a rejected AppendEntries (Figure 2, Leaders: "decrement nextIndex and
 * retry"), with the two back-off variants:
 * - `backoff: 'hint'`: jump to the follower's last index + 1 when that is lower
 *   (hashicorp/raft 1.1.2 replication.go:242 `max(min(nextIndex-1, resp.LastLog+1), 1)`;
 *   etcd tracker/progress.go:192 `Next = min(rejected, last+1)`);
 * - `ignoreStaleRejections`: never below matchIndex + 1, the entries up to matchIndex are
 *   known to match (etcd tracker/progress.go:176-182: a rejection at or below Match is stale).
 */
export function nextIndexAfterRejection(
  switches: ReferenceSwitches,
  progress: { readonly next: number; readonly match: number },
  rejectHint: number | undefined,
): number {
  let next = progress.next - 1;
  if (switches.backoff === 'hint' && rejectHint !== undefined) next = Math.min(next, rejectHint + 1);
  const floor = switches.ignoreStaleRejections ? progress.match + 1 : 1;
  return Math.max(floor, next);
}

/**
 * matchIndex a leader learns from a successful AppendEntries reply. `appendMatchFrom:
 * 'request'`: the reply carries only term and success (Figure 2), so the leader derives the
 * match from the request it answers (hashicorp/raft 1.1.2 replication.go `updateLastAppended(s,
 * &req)`: last index of the request's entries, else its prevLogIndex). Never goes back.
 */
export function matchAfterSuccess(
  switches: ReferenceSwitches,
  match: number,
  response: { readonly matchIndex: number; readonly inReplyTo?: { prevLogIndex: number; entries: number } },
): number {
  const request = response.inReplyTo;
  // A reply not paired with a request (written by a scenario, or from a peer that reports its
  // match) is read as it says.
  if (switches.appendMatchFrom !== 'request' || request === undefined) {
    return Math.max(match, response.matchIndex);
  }
  return Math.max(match, request.prevLogIndex + request.entries);
}

/**
 * Whether a server that adopts a higher term restarts its election timer, by the role it had
 * (`electionTimerOnHigherTerm`):
 * - `always`: etcd raft.go:843-871 → `becomeFollower` → `reset` zeroes `electionElapsed` (:617);
 * - `leader-or-candidate`: canonical/raft v0.15.0 recv.c:138-141 converts to follower (and
 *   convert.c:136 resets the timer) only when it was not one; hashicorp/raft 1.1.2 starts a new
 *   follower timer (raft.go:154) on leaving leader or candidate;
 * - `leader`: only a leader stepping down;
 * - `keep`: never — but a leader runs an election timer only with CheckQuorum (its quorum
 *   check); without it the leader never ran one, and the follower it becomes starts from zero.
 */
export function restartsTimerOnNewTerm(switches: ReferenceSwitches, role: Role): boolean {
  switch (switches.electionTimerOnHigherTerm) {
    case 'always':
      return true;
    case 'leader-or-candidate':
      return role === 'leader' || role === 'candidate' || role === 'preCandidate';
    case 'leader':
      return role === 'leader';
    default:
      return role === 'leader' && !switches.checkQuorum;
  }
}
