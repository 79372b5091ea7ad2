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
  'Figure 2, Followers: "If election timeout elapses without receiving AppendEntries RPC from current leader or granting vote to candidate: convert to candidate" (timer reset rules, BUGS.md #6)';

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

/**
 * The rule most specific to what went wrong: the last transition whose guard or action
 * has a rule text, preferring actions that touch the differing fields.
 */
export function ruleFor(
  taken: readonly TakenTransition[],
  input: string,
  differing: readonly string[],
): string {
  if (input === 'restart' || input === 'crash') return CRASH_RULE;
  if (input === 'tick') return TIMER_RULE;
  const names: string[] = [];
  for (const t of taken) {
    if (t.guard) names.push(t.guard);
    names.push(...t.actions);
  }
  const preferred = preferredNames(differing);
  for (const name of [...names].reverse()) if (preferred.includes(name) && RULES[name]) return RULES[name];
  for (const name of [...names].reverse()) if (RULES[name]) return RULES[name];
  if (taken.length === 0)
    return 'the model takes no transition here: the input must change nothing and send nothing';
  return 'Figure 2';
}

function preferredNames(differing: readonly string[]): string[] {
  const out: string[] = [];
  for (const field of differing) {
    if (field === 'commitIndex') out.push('advanceFollowerCommit', 'advanceCommitIndex');
    if (field === 'votedFor')
      out.push('grantVote', 'canGrantVote', 'votedForAnother', 'updateTerm', 'startElection');
    if (field === 'currentTerm') out.push('updateTerm', 'isHigherTerm', 'startElection', 'startPreVote');
    if (field === 'log')
      out.push('appendEntries', 'prevLogMatches', 'prevLogBeyondEnd', 'prevLogTermMismatch');
    if (field === 'role')
      out.push('hasVoteQuorum', 'becomeLeader', 'isHigherTerm', 'becomeFollower', 'voteGranted');
  }
  return out;
}

export { CRASH_RULE, TIMER_RULE };
