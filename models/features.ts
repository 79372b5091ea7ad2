/**
 * Feature switches: the places where real Raft implementations legitimately differ from
 * Figure 2 (PreVote, CheckQuorum, leader stickiness, the leader's no-op, back-off variants).
 * Each is read by named guards and actions of the node statechart (`models/node/`), so the
 * model checker explores exactly what the runner accepts (`raftkit check --features …`).
 * The first value of each switch is the default and is the paper's behaviour (Figure 2, or
 * for the PreVote variants the model's PreVote of thesis §9.6). A scenario states which
 * features it needs; an implementation declares which it has (`init_ok.features`).
 *
 * Upstream citations are to the sources installed on this machine: etcd raft
 * (`go.etcd.io/etcd/raft`, Debian golang-etcd-server-dev), hashicorp/raft 1.1.2
 * (golang-github-hashicorp-raft-dev), canonical/raft (`src/*.c` on GitHub) and PySyncObj
 * (python3-pysyncobj `syncobj.py`).
 */
export interface Features {
  /**
   * PreVote (Ongaro's thesis §9.6): before incrementing its term, a server that timed out
   * becomes a pre-candidate and asks whether it could win an election. A server grants a
   * pre-vote only to an up-to-date log for a higher term, and only while it has not heard
   * from a current leader (leader stickiness, thesis §4.2.3). A partitioned server that
   * rejoins therefore no longer bumps everybody's term (BUGS.md #9).
   */
  readonly preVote: boolean;
  /**
   * CheckQuorum (thesis §6.2): "a leader steps down if an election timeout elapses without a
   * successful round of heartbeats to a majority of its cluster". The leader keeps the
   * servers it heard from since its last check (`heardFrom`); its ElectionTimeout is the check.
   */
  readonly checkQuorum: boolean;
  /**
   * Leader no-op (Ongaro's thesis §6.4 and §8): "each leader commit[s] a blank no-op entry
   * into the log at the start of its term". On becoming leader the node appends
   * `{ term: currentTerm, value: '' }` before its first AppendEntries, so that entry goes
   * out with them and an entry of the new term can commit without a client request (etcd
   * `becomeLeader` → `appendEntry(pb.Entry{Data: nil})`). Off by default: Figure 2 has no
   * such step.
   */
  readonly leaderNoOp: boolean;
  /**
   * When the no-op goes out (with leaderNoOp). Off: in the first AppendEntries (etcd). On: a new
   * leader sends Figure 2's "initial empty AppendEntries RPCs" first and appends the no-op after
   * them; a follower gets it once its success to a request up to the entry before the no-op
   * arrives (hashicorp/raft 1.1.2: replication is triggered, raft.go:440, 489-490, before the no-op
   * is written, raft.go:453, 1073; each round sends up to the last index read at its start,
   * replication.go:157, 209, 264, and the no-op's trigger, raft.go:1088, starts the next round).
   */
  readonly noOpAfterFirstAppend: boolean;
  /**
   * Leader stickiness (thesis §4.2.3, "disruptive servers"): "if a server receives a
   * RequestVote request within the minimum election timeout of hearing from a current
   * leader, it does not update its term or grant its vote". `same-term`: a server that knows
   * the leader of its term refuses a RequestVote of that term; `any-term`: also ignores a
   * higher-term RequestVote or PreVote (no term update, no reply). `any-term-reply`: refuses
   * every RequestVote while it knows a leader, answering "not granted" in its own term, with no
   * term update (canonical/raft); `any-term-reply-except-leader`: the same, but a RequestVote
   * from the leader it knows is not refused (hashicorp/raft).
   */
  readonly leaderStickiness:
    | 'off'
    | 'same-term'
    | 'any-term'
    | 'any-term-reply'
    | 'any-term-reply-except-leader';
  /** The term a refused pre-vote carries: the voter's currentTerm, or the request's echoed. */
  readonly preVoteRefusalTerm: 'voter' | 'echo';
  /** A candidate whose election times out goes back through a pre-vote round (with PreVote), or starts a new election directly. */
  readonly candidateRetry: 'pre-vote' | 'election';
  /** A pre-vote for the voter's own current term may be granted, and a pre-candidate counts a grant echoing its own current term. */
  readonly preVoteOwnTerm: boolean;
  /** nextIndex back-off on a rejected AppendEntries: by one, or to the rejection's `rejectHint` + 1. */
  readonly backoff: 'decrement' | 'hint';
  /** A rejection never moves nextIndex below matchIndex + 1. */
  readonly ignoreStaleRejections: boolean;
  /**
   * Where a leader's matchIndex comes from on a successful AppendEntries: `response`, the
   * follower's `matchIndex` in the reply (raft.tla's `mmatchIndex`); or `request`, the request
   * the reply answers (Figure 2's results are only term and success: over an RPC layer the
   * leader knows which request it sent, and derives prevLogIndex + len(entries) from it).
   */
  readonly appendMatchFrom: 'response' | 'request';
  /**
   * A candidate or pre-candidate whose refusals leave too few servers for a majority becomes
   * a follower of the same term at once, its vote kept (etcd `stepCandidate`: `poll` →
   * `quorum.VoteLost` → `becomeFollower(r.Term, None)`), instead of waiting for its timeout.
   */
  readonly yieldOnLostElection: boolean;
  /**
   * Whether a voter that hears from a current leader refuses a pre-vote (thesis §9.6 asks for
   * both an up-to-date log and no heartbeat from a leader within the election timeout; §4.2.3).
   * `false`: a pre-vote for a higher term is granted on the log alone, as etcd does unless
   * CheckQuorum's lease ignores the request (raft.go:846, 941-947).
   */
  readonly preVoteStickiness: boolean;
  /**
   * commitIndex survives a crash: a restarted server knows the commitIndex it had (etcd
   * persists `HardState.Commit`, raft.go:398-403, and `loadState` restores it, raft.go:1570-1577).
   * Figure 2 lists commitIndex as volatile state.
   */
  readonly persistCommitIndex: boolean;
  /**
   * How a follower answers an AppendEntries whose prevLogIndex is below its commitIndex:
   * `process`, Figure 2's receiver rules; `reply-commit`, success with matchIndex = commitIndex,
   * nothing appended (etcd `handleAppendEntries`, raft.go:1374-1377).
   */
  readonly appendBelowCommit: 'process' | 'reply-commit';
  /**
   * Whether the election timer restarts when a higher term makes the node a follower (Figure 2,
   * Rules for All Servers). `keep`: it does not (the model's Figure 2 reading: the timer restarts
   * on an AppendEntries from the current leader or a granted vote, not on a higher term alone,
   * BUGS.md #6); a CheckQuorum leader keeps the ticks its quorum check had counted. `leader`: a
   * leader stepping down restarts it; `leader-or-candidate`: also a (pre-)candidate stepping down;
   * `always`: every higher term adopted restarts it, a follower's too (etcd `becomeFollower`).
   */
  readonly electionTimerOnHigherTerm: 'keep' | 'leader' | 'leader-or-candidate' | 'always';
}

export type FeatureName = keyof Features;
export type FeatureValue = boolean | string;

/** What one switch is, where it comes from, and what it replaces (for `raftkit features` and docs/model.md). */
export interface SwitchInfo {
  readonly name: FeatureName;
  /** The values, default first. */
  readonly values: readonly FeatureValue[];
  readonly summary: string;
  /** The rule of Figure 2 (or of the default model) it replaces. */
  readonly replaces: string;
  /** Thesis or paper section. */
  readonly source: string;
  /** Implementations that behave so, with the file and line read. */
  readonly seenIn: readonly string[];
  /** Other switches it only makes sense with. */
  readonly requires?: Partial<Record<FeatureName, FeatureValue>>;
}

const ETCD = 'etcd raft (go.etcd.io/etcd/raft)';

export const SWITCHES: readonly SwitchInfo[] = [
  {
    name: 'preVote',
    values: [false, true],
    summary: 'a timed-out server first asks for pre-votes for currentTerm + 1, changing no term',
    replaces: 'Figure 2, Followers: "If election timeout elapses…: convert to candidate"',
    source: 'thesis §9.6',
    seenIn: [
      `${ETCD} raft.go:930 campaign(campaignPreElection)`,
      'canonical/raft src/recv_request_vote.c (args->pre_vote: no term change, no persisted vote)',
    ],
  },
  {
    name: 'checkQuorum',
    values: [false, true],
    summary: 'a leader that heard from no majority since its last election timeout steps down',
    replaces: 'Figure 2: a leader stays leader until it sees a higher term',
    source: 'thesis §6.2',
    seenIn: [
      `${ETCD} raft.go:1006-1018 MsgCheckQuorum → !QuorumActive() → becomeFollower(r.Term, None)`,
      'PySyncObj syncobj.py:589-596 leaderFallbackTimeout',
    ],
  },
  {
    name: 'leaderNoOp',
    values: [false, true],
    summary: 'a new leader appends a blank entry of its term',
    replaces: 'Figure 2, Leaders: "Upon election: send initial empty AppendEntries RPCs"',
    source: 'thesis §6.4, §8',
    seenIn: [
      `${ETCD} raft.go:761 becomeLeader → appendEntry(pb.Entry{Data: nil})`,
      'hashicorp/raft 1.1.2 raft.go:450 (LogNoop)',
    ],
  },
  {
    name: 'noOpAfterFirstAppend',
    values: [false, true],
    summary:
      "a new leader's first AppendEntries carry no entries; the no-op goes to a follower after its success to a request up to the entry before it",
    replaces:
      'leaderNoOp as etcd does it: the no-op is appended before, and carried by, the first AppendEntries',
    source:
      'Raft paper Figure 2, Leaders ("Upon election: send initial empty AppendEntries RPCs"); thesis §8',
    seenIn: [
      'hashicorp/raft 1.1.2 raft.go:440 startStopReplication → :489-490 goroutine started and triggered, then :453 dispatchLogs(no-op) → :1073 StoreLogs, :1084 setLastLog, :1088 trigger',
      'hashicorp/raft 1.1.2 replication.go:156-157 a round (replicateTo) reads the last index when triggered; :209 sends from nextIndex up to it; :264 retries only up to it; after the success (:236) the pending trigger of raft.go:1088 starts the next round: prevLogIndex = the old last index, entries = [no-op]',
    ],
    requires: { leaderNoOp: true },
  },
  {
    name: 'leaderStickiness',
    values: ['off', 'same-term', 'any-term', 'any-term-reply', 'any-term-reply-except-leader'],
    summary:
      'a server that hears from a current leader refuses RequestVotes of its term (same-term), also ignores higher-term ones (any-term), or refuses every one with a reply in its own term (any-term-reply; -except-leader spares the leader it knows)',
    replaces:
      'Figure 2, RequestVote receiver rule 2 (grant if votedFor is null) and Rules for All Servers (adopt a higher term)',
    source: 'thesis §4.2.3',
    seenIn: [
      `same-term: ${ETCD} raft.go:941 canVote needs r.lead == None when r.Vote == None`,
      `any-term: ${ETCD} raft.go:846 inLease (with checkQuorum) ignores MsgVote/MsgPreVote of a higher term`,
      'any-term-reply: canonical/raft v0.15.0 src/recv_request_vote.c:58-64 has_leader (leader, or follower with current_leader) → goto reply: not granted, result->term = current_term (:102), before recvEnsureMatchingTerms',
      'any-term-reply-except-leader: hashicorp/raft 1.1.2 raft.go:1402-1404 deferred rpc.Respond (Granted false, Term: its own) and raft.go:1417 `leader != "" && leader != candidate` → "rejecting vote request since we have a leader"',
    ],
  },
  {
    name: 'preVoteRefusalTerm',
    values: ['voter', 'echo'],
    summary: "a refused pre-vote carries the voter's currentTerm, or the request's term echoed",
    replaces: "the model's rejectPreVote (voter's currentTerm, so a pre-candidate behind learns the term)",
    source: 'thesis §9.6',
    seenIn: [
      `voter: ${ETCD} raft.go:893 and 986 (Term: r.Term, Reject: true); a grant echoes m.Term (raft.go:977)`,
      'echo: canonical/raft v0.15.0 src/recv_request_vote.c:111-113 (for a pre-vote, result->term = args->term, granted or not)',
    ],
    requires: { preVote: true },
  },
  {
    name: 'candidateRetry',
    values: ['pre-vote', 'election'],
    summary: 'a candidate whose election times out starts over with a pre-vote round, or with a new election',
    replaces: 'Figure 2, Candidates: "If election timeout elapses: start new election" (with PreVote)',
    source: 'thesis §9.6',
    seenIn: [
      `pre-vote: ${ETCD} raft.go:930 MsgHup → campaign(campaignPreElection) in every role but leader`,
      'election: canonical/raft 0.15 as run for issue 12 (its candidate retried with RequestVote; source not re-read here)',
    ],
    requires: { preVote: true },
  },
  {
    name: 'preVoteOwnTerm',
    values: [false, true],
    summary:
      "a pre-vote for the voter's own current term is granted when the real vote could be; a pre-candidate counts a grant for its own term",
    replaces: "the model's pre-vote rule: a pre-vote is only for a term above the voter's",
    source: 'thesis §9.6',
    seenIn: [
      `${ETCD} raft.go:941 canVote (r.Vote == m.From || r.Vote == None && r.lead == None) for a MsgPreVote of term r.Term`,
      `${ETCD} raft.go:1293 stepCandidate polls every MsgPreVoteResp not below r.Term`,
    ],
    requires: { preVote: true },
  },
  {
    name: 'backoff',
    values: ['decrement', 'hint'],
    summary:
      "a rejection carries rejectHint (the follower's last index); the leader moves nextIndex to min(nextIndex − 1, hint + 1)",
    replaces:
      'Figure 2, Leaders: "If AppendEntries fails because of log inconsistency: decrement nextIndex and retry"',
    source:
      'Raft paper §5.3 ("the protocol can be optimized to reduce the number of rejected AppendEntries")',
    seenIn: [
      `${ETCD} raft.go:1384 RejectHint: r.raftLog.lastIndex(); tracker/progress.go:192 Next = min(rejected, last+1)`,
      'hashicorp/raft 1.1.2 replication.go:242 nextIndex = max(min(nextIndex-1, resp.LastLog+1), 1)',
      "PySyncObj syncobj.py:951-958 'next_node_idx' with reset",
    ],
  },
  {
    name: 'ignoreStaleRejections',
    values: [false, true],
    summary:
      'a rejection never moves nextIndex below matchIndex + 1 (a delayed rejection after a later success is stale)',
    replaces: 'Figure 2, Leaders: "decrement nextIndex" (unbounded below)',
    source: 'Raft paper §5.3',
    seenIn: [`${ETCD} tracker/progress.go:176 (rejected <= pr.Match → stale) and 182 (Next = Match + 1)`],
  },
  {
    name: 'appendMatchFrom',
    values: ['response', 'request'],
    summary:
      'a successful AppendEntriesResponse carries only term and success; the leader sets matchIndex from the request it answers (prevLogIndex + len(entries))',
    replaces:
      "the model's AppendEntriesResponse.matchIndex (raft.tla mmatchIndex), which Figure 2's AppendEntries results (term, success) do not have",
    source: 'Raft paper Figure 2 (AppendEntries RPC, Results: term, success)',
    seenIn: [
      `response: ${ETCD} raft.go:1380 handleAppendEntries replies MsgAppResp Index: mlastIndex (= m.Index + len(m.Entries))`,
      'request: hashicorp/raft 1.1.2 replication.go:236 (resp.Success → updateLastAppended(s, &req): the last entry of the request sent)',
    ],
  },
  {
    name: 'yieldOnLostElection',
    values: [false, true],
    summary:
      'a candidate or pre-candidate whose refusals leave too few servers for a majority becomes a follower of the same term at once',
    replaces:
      'Figure 2, Candidates: a candidate stays candidate until it wins, hears from a leader, or its election times out',
    source:
      'Raft paper §5.2 (a candidate that neither wins nor loses waits for its timeout; this one knows it lost)',
    seenIn: [
      `${ETCD} raft.go:1304-1307 stepCandidate: quorum.VoteLost → becomeFollower(r.Term, None); quorum/majority.go:206-209`,
    ],
  },
  {
    name: 'preVoteStickiness',
    values: [true, false],
    summary:
      'false: a pre-vote for a higher term is granted to an up-to-date log although the voter hears from a current leader',
    replaces:
      "the model's pre-vote rule (thesis §9.6): no pre-vote while a current leader is heard from (hasCurrentLeader)",
    source: 'thesis §9.6 (PreVote) and §4.2.3 (leader stickiness), two mechanisms the default bundles',
    seenIn: [
      `false: ${ETCD} raft.go:941-947 canVote holds for any MsgPreVote with m.Term > r.Term, whatever r.lead`,
      `false: ${ETCD} raft.go:846 stickiness only as inLease, with checkQuorum (leaderStickiness=any-term)`,
    ],
    requires: { preVote: true },
  },
  {
    name: 'persistCommitIndex',
    values: [false, true],
    summary: 'commitIndex is kept on stable storage: a crashed and restarted server knows its commitIndex',
    replaces: 'Figure 2, State: commitIndex is "volatile state on all servers" (0 after a restart)',
    source: 'Raft paper §5.4 (a committed entry stays committed, so remembering it is true)',
    seenIn: [`${ETCD} raft.go:398-403 hardState() carries Commit; raft.go:1570-1577 loadState restores it`],
  },
  {
    name: 'appendBelowCommit',
    values: ['process', 'reply-commit'],
    summary:
      'an AppendEntries whose prevLogIndex is below commitIndex is answered success with matchIndex = commitIndex, and nothing is appended',
    replaces: "Figure 2, AppendEntries receiver rules 2-5 for a request below the receiver's commitIndex",
    source: "Raft paper §5.4 (Leader Completeness: the entries up to commitIndex are in the leader's log)",
    seenIn: [
      `reply-commit: ${ETCD} raft.go:1373-1377 handleAppendEntries: m.Index < committed → MsgAppResp Index: committed`,
    ],
    // A reply that names no index cannot say "up to commitIndex": the leader would read the request's range.
    requires: { appendMatchFrom: 'response' },
  },
  {
    name: 'electionTimerOnHigherTerm',
    values: ['keep', 'leader', 'leader-or-candidate', 'always'],
    summary:
      'a node that adopts a higher term restarts its election timer: when it was leader, leader or (pre-)candidate, or always',
    replaces:
      "the model's timer rule: the election timer restarts on an AppendEntries from the current leader, a granted vote, a new election round or becoming leader, not on a higher term alone",
    source: 'Raft paper Figure 2 (Followers; Rules for All Servers) and thesis §6.2 (CheckQuorum)',
    seenIn: [
      "leader: raftkit's reference as first written (src/reference/node.ts adoptTerm `if (wasLeader)`); no upstream library read does only this",
      'leader-or-candidate: canonical/raft v0.15.0 src/recv.c:138-141 recvBumpCurrentTerm → convertToFollower only when not a follower; src/convert.c:130-136 → electionResetTimer',
      'leader-or-candidate: hashicorp/raft 1.1.2 raft.go:154 runFollower starts a new heartbeatTimer; raft.go:388 a leader stepping down setLastContact()',
      `always: ${ETCD} raft.go:843-871 Step: every higher term (but a pre-vote or its grant) → becomeFollower; raft.go:700-702 → reset → raft.go:617 electionElapsed = 0`,
    ],
  },
];

export const FEATURE_NAMES: readonly FeatureName[] = SWITCHES.map((s) => s.name);

export const NO_FEATURES: Features = {
  preVote: false,
  checkQuorum: false,
  leaderNoOp: false,
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

/** Features the model implements (every switch, now; kept for callers that list them). */
export const MODELLED_FEATURES: readonly FeatureName[] = FEATURE_NAMES;

export class UnsupportedFeatureError extends Error {}

export function switchNamed(name: string): SwitchInfo {
  const info = SWITCHES.find((s) => s.name === name);
  if (!info) {
    throw new UnsupportedFeatureError(`unknown feature '${name}' (known: ${FEATURE_NAMES.join(', ')})`);
  }
  return info;
}

/** Every switch holds one of its values (an adapter's or a user's typo is an error, not a default). */
export function validateFeatures(features: Features): Features {
  for (const info of SWITCHES) {
    const value = features[info.name];
    if (!info.values.includes(value)) {
      throw new UnsupportedFeatureError(
        `feature '${info.name}' has no value ${JSON.stringify(value)} (values: ${info.values.join(', ')})`,
      );
    }
  }
  for (const name of Object.keys(features)) switchNamed(name);
  return features;
}

export function makeFeatures(partial: Partial<Features> = {}): Features {
  return validateFeatures({ ...NO_FEATURES, ...partial });
}

/** A switch's value from text: `checkQuorum` (true), `checkQuorum=false`, `leaderStickiness=any-term`. */
function parseValue(info: SwitchInfo, text: string | undefined): FeatureValue {
  if (text === undefined) {
    if (info.values.includes(true)) return true;
    throw new UnsupportedFeatureError(`feature '${info.name}' needs a value (${info.values.join(', ')})`);
  }
  const value = info.values.find((v) => String(v) === text);
  if (value === undefined) {
    throw new UnsupportedFeatureError(
      `feature '${info.name}' has no value '${text}' (values: ${info.values.join(', ')})`,
    );
  }
  return value;
}

/** `--features checkQuorum,leaderStickiness=any-term` → the features it names (unnamed ones default). */
export function parseFeatureList(list: string): Partial<Features> {
  const out: Record<string, FeatureValue> = {};
  for (const item of list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const [name, text] = item.split('=', 2);
    out[name] = parseValue(switchNamed(name), text);
  }
  return out as Partial<Features>;
}

/** The switches that differ from the default, as `name` or `name=value` (for reports and commands). */
export function describeFeatures(features: Features): string {
  const on = SWITCHES.filter((s) => features[s.name] !== NO_FEATURES[s.name]).map((s) =>
    features[s.name] === true ? s.name : `${s.name}=${features[s.name]}`,
  );
  return on.length === 0 ? 'none' : on.join(',');
}

/** Switches set away from their default while a switch they require is not (e.g. candidateRetry without preVote). */
export function unmetRequirements(features: Features): string[] {
  const out: string[] = [];
  for (const info of SWITCHES) {
    if (features[info.name] === NO_FEATURES[info.name]) continue;
    for (const [name, value] of Object.entries(info.requires ?? {})) {
      if (features[name as FeatureName] !== value) out.push(`${info.name} needs ${name}=${value}`);
    }
  }
  return out;
}
