import type { Message } from '../../models/index.ts';
import type { TakenTransition } from '../scenario/index.ts';

/**
 * The Figure 2 rule behind a model transition, found from the names of its guard and
 * actions (the model names each after the rule it implements). Used to say, in a failure,
 * which rule the implementation departed from. Text only: the rules themselves live in
 * `models/`.
 */
const RULES: Readonly<Record<string, string>> = {
  // term rule
  isHigherTerm:
    'Figure 2, Rules for All Servers: "If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to follower" (§5.1)',
  updateTerm: 'Figure 2, Rules for All Servers: "set currentTerm = T, convert to follower" (§5.1)',
  isStaleRequest:
    'Figure 2, RequestVote/AppendEntries receiver rule 1: "Reply false if term < currentTerm" (§5.1)',
  rejectStaleRequest: 'Figure 2, receiver rule 1: "Reply false if term < currentTerm" (§5.1)',
  isStaleResponse: 'raft.tla DropStaleResponse: a response from an older term is ignored',
  // votes
  canGrantVote:
    'Figure 2, RequestVote receiver rule 2: "If votedFor is null or candidateId, and candidate\'s log is at least as up-to-date as receiver\'s log, grant vote" (§5.2, §5.4)',
  grantVote:
    'Figure 2, RequestVote receiver rule 2: grant the vote and persist votedFor before responding (§5.2, §5.4)',
  votedForAnother: '§5.2: "each server will vote for at most one candidate in a given term"',
  candidateLogBehind:
    '§5.4.1 election restriction: "the voter denies its vote if its own log is more up-to-date than that of the candidate"',
  rejectVote: 'Figure 2, RequestVote receiver: reply voteGranted = false',
  canGrantPreVote:
    'thesis §9.6 PreVote: grant a pre-vote for a higher term to an up-to-date log, absent a current leader',
  preVoteTermNotAhead: "thesis §9.6: a pre-vote is only for a term above the voter's own",
  hasCurrentLeader:
    'thesis §4.2.3 leader stickiness: a server hearing from a leader does not grant pre-votes',
  grantPreVote: 'thesis §9.6: a pre-vote grant echoes the proposed term and changes nothing on the voter',
  rejectPreVote: "thesis §9.6: a pre-vote rejection carries the voter's currentTerm",
  voteGranted: 'Figure 2, Candidates: count the votes received',
  voteDenied: 'Figure 2, Candidates: a denied vote is not counted',
  preVoteGranted: 'thesis §9.6: a pre-vote grant counts only if it echoes currentTerm + 1',
  preVoteDenied: 'thesis §9.6: a denied pre-vote is not counted',
  hasVoteQuorum: 'Figure 2, Candidates: "If votes received from majority of servers: become leader"',
  becomeLeader: 'Figure 2, Leaders: nextIndex and matchIndex "reinitialized after election"',
  hasVoteQuorumWithLeaderNoOp:
    'Figure 2, Candidates: "If votes received from majority of servers: become leader", with thesis §8\'s leader no-op',
  appendLeaderNoOp:
    'thesis §6.4/§8: "each leader commit[s] a blank no-op entry into the log at the start of its term" (feature leaderNoOp)',
  startElection:
    'Figure 2, Candidates: "On conversion to candidate, start election: increment currentTerm, vote for self, reset election timer, send RequestVote RPCs to all other servers"',
  broadcastRequestVote: 'Figure 2, Candidates: "send RequestVote RPCs to all other servers"',
  startPreVote: 'thesis §9.6: a pre-candidate asks for votes in currentTerm + 1 without changing its term',
  broadcastPreVote: 'thesis §9.6: send PreVote requests for currentTerm + 1 to all other servers',
  preVoteEnabled: 'thesis §9.6: with PreVote, an election timeout starts a pre-vote round first',
  recordGrantedVote: 'Figure 2, Candidates: count the votes received',
  recordDeniedVote: 'raft.tla HandleRequestVoteResponse: votesResponded grows',
  // replication
  prevLogMatches:
    'Figure 2, AppendEntries receiver rule 2: "Reply false if log doesn\'t contain an entry at prevLogIndex whose term matches prevLogTerm" (§5.3)',
  prevLogBeyondEnd:
    'Figure 2, AppendEntries receiver rule 2: the log has no entry at prevLogIndex → reply false (§5.3)',
  prevLogTermMismatch:
    'Figure 2, AppendEntries receiver rule 2: the entry at prevLogIndex has another term → reply false (§5.3)',
  appendEntries:
    'Figure 2, AppendEntries receiver rules 3–4: delete a conflicting suffix, append new entries (§5.3)',
  advanceFollowerCommit:
    'Figure 2, AppendEntries receiver rule 5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)"',
  replyAppendSuccess: 'Figure 2, AppendEntries results: success = true (matchIndex = prevLogIndex + entries)',
  replyAppendFailure: 'Figure 2, AppendEntries receiver rule 2: reply false (§5.3)',
  recognizeLeader: '§5.2: a server that hears AppendEntries from the leader of its term recognizes it',
  becomeFollower:
    'Figure 2, Candidates: "If AppendEntries RPC received from new leader: convert to follower"',
  sendAppendEntries:
    'Figure 2, Leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat)…"; "send AppendEntries RPC with log entries starting at nextIndex"',
  appendClientEntry: 'Figure 2, Leaders: "If command received from client: append entry to local log"',
  appendSucceeded: 'Figure 2, Leaders: "If successful: update nextIndex and matchIndex for follower" (§5.3)',
  recordReplication:
    'Figure 2, Leaders: "If successful: update nextIndex and matchIndex for follower" (§5.3)',
  appendRejected:
    'Figure 2, Leaders: "If AppendEntries fails because of log inconsistency: decrement nextIndex and retry" (§5.3)',
  backOffNextIndex: 'Figure 2, Leaders: "decrement nextIndex and retry" (§5.3)',
  advanceCommitIndex:
    'Figure 2, Leaders: "If there exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N" (§5.3, §5.4)',
  loseVolatileState: 'Figure 2: only currentTerm, votedFor and log are persistent; a crash loses the rest',
};

const CRASH_RULE =
  'Figure 2: "Persistent state on all servers (updated on stable storage before responding to RPCs)": a restarted server has its currentTerm, votedFor and log';
const TIMER_RULE =
  'Figure 2, Followers: "If election timeout elapses without receiving AppendEntries RPC from current leader or granting vote to candidate: convert to candidate" (timer reset rules, docs/bugs.md #6)';

/** The names of the transitions taken, e.g. `isHigherTerm → updateTerm; canGrantVote → grantVote`. */
export function describeTaken(taken: readonly TakenTransition[]): string {
  return taken
    .filter((t) => t.guard !== null || t.actions.some((a) => a !== 'deliverToRole'))
    .map((t) => {
      const actions = t.actions.filter((a) => a !== 'deliverToRole');
      const head = t.guard ?? `${t.event}`;
      return actions.length > 0 ? `${head} → ${actions.join(', ')}` : head;
    })
    .join('; ');
}

/** What differs between the implementation and the model at a failing step. */
export interface Discrepancy {
  /** State fields that differ, and whether the model changed each in this step. */
  readonly fields: readonly { readonly field: string; readonly changedByModel: boolean }[];
  /** Fields that differ between a message the model sends and the one sent instead. */
  readonly messageFields: readonly string[];
  /** Some message is missing or not allowed. */
  readonly messagesDiffer: boolean;
}

/** Fields that differ between messages the model sends and ones of the same type, sender and receiver sent instead. */
export function differingMessageFields(
  missing: readonly Message[],
  unexpected: readonly Message[],
): string[] {
  const fields = new Set<string>();
  for (const m of missing) {
    const other = unexpected.find((u) => u.type === m.type && u.from === m.from && u.to === m.to);
    if (!other) continue;
    const a = m as unknown as Record<string, unknown>;
    const b = other as unknown as Record<string, unknown>;
    for (const key of Object.keys(a)) if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) fields.add(key);
  }
  return [...fields];
}

/** A field the model kept but the implementation changed: the rule that keeps it. */
const KEPT: Readonly<Record<string, string>> = {
  votedFor:
    '§5.2: "each server will vote for at most one candidate in a given term": votedFor changes only with currentTerm',
  currentTerm:
    'Figure 2, Rules for All Servers: currentTerm changes only on a higher term (§5.1) or when starting an election',
  commitIndex:
    "Figure 2: commitIndex only grows, by AppendEntries receiver rule 5 or the Leaders' commit rule",
  log: 'Figure 2, AppendEntries receiver rules 3–4: only a conflicting suffix is deleted, only the leader appends',
};

/** The rules to prefer when this field differs. */
const BY_FIELD: Readonly<Record<string, readonly string[]>> = {
  commitIndex: ['advanceFollowerCommit', 'advanceCommitIndex'],
  votedFor: ['grantVote', 'startElection'],
  currentTerm: ['updateTerm', 'isHigherTerm', 'startElection'],
  log: ['appendEntries', 'appendClientEntry', 'appendLeaderNoOp'],
  role: ['hasVoteQuorumWithLeaderNoOp', 'hasVoteQuorum', 'becomeFollower', 'isHigherTerm', 'preVoteEnabled'],
  term: ['updateTerm', 'isHigherTerm'],
};

function namesOf(t: TakenTransition): string[] {
  const names = t.actions.filter((a) => a !== 'deliverToRole');
  return t.guard ? [...names, t.guard] : names;
}

/**
 * The Figure 2 rule concerned by a failing step, from the names of the guards and actions
 * the model's transitions took: a field the model kept but the implementation changed
 * points at the rule that keeps it; otherwise an action touching a differing field; the
 * term of a reply points at the term rule; otherwise the guard of the last (most
 * specific) transition — the decision the implementation made differently.
 */
export function ruleFor(taken: readonly TakenTransition[], input: string, discrepancy: Discrepancy): string {
  if (input === 'restart' || input === 'crash') return CRASH_RULE;
  if (input === 'tick') return TIMER_RULE;
  const kept = discrepancy.messagesDiffer
    ? undefined
    : discrepancy.fields.find((f) => !f.changedByModel && KEPT[f.field]);
  const meaningful = taken.filter((t) => namesOf(t).length > 0);
  const last = meaningful[meaningful.length - 1];
  if (kept && !(last && namesOf(last).some((n) => (BY_FIELD[kept.field] ?? []).includes(n)))) {
    return KEPT[kept.field];
  }
  const wanted = [...discrepancy.fields.map((f) => f.field), ...discrepancy.messageFields].flatMap(
    (f) => BY_FIELD[f] ?? [],
  );
  for (const t of [...meaningful].reverse()) {
    for (const name of namesOf(t)) if (wanted.includes(name) && RULES[name]) return RULES[name];
  }
  if (last) {
    for (const name of [last.guard, ...last.actions]) if (name && RULES[name]) return RULES[name];
  }
  if (taken.length === 0) {
    return 'the model takes no transition here: the input must change nothing and send nothing';
  }
  return 'Figure 2';
}

export { CRASH_RULE, TIMER_RULE };
