/**
 * Classify every failure of a `raftkit conform --report json` run against etcd's raft
 * library into the discrepancy classes of docs/implementations.md, and list any failure no
 * class explains (a new discrepancy: read it, then classify it in the doc and here).
 *
 *   npx raftkit conform --adapter-cmd .raftkit-tmp/etcd-raft/etcd-raft-adapter --report json > etcd.json
 *   npx tsx conformance/adapters/etcd-raft/classify.ts etcd.json
 *
 * Each class is one predicate on the first failing step (the runner stops a scenario at its
 * first discrepancy, so later ones stay hidden: the doc says so).
 */
import { classifyCli } from '../classify-report.ts';

interface Failure {
  readonly input: string;
  readonly diagnosis: string;
  readonly differences: readonly { field: string; expected: string; actual: string }[];
  readonly missing: readonly Record<string, unknown>[];
  readonly unexpected: readonly Record<string, unknown>[];
  readonly expectedState?: {
    role: string;
    currentTerm: number;
    commitIndex?: number;
    log?: { term: number; value: string }[];
  };
  readonly actualState?: { role: string; log: { term?: number; value: string }[] };
}

interface DiscrepancyClass {
  readonly id: string;
  /**
   * `model switch`: once an allowed variation, now a switch of the model the adapter declares
   * (init_ok.features); a failure matching it means etcd and the model with that switch differ.
   * `observation artefact`: not protocol behaviour (a reply not sent is a lost reply; a field
   * never read), accepted by a runner tolerance.
   */
  readonly verdict:
    | 'allowed variation'
    | 'observation artefact'
    | 'model switch'
    | 'limit of the kit'
    | 'real bug';
  readonly matches: (f: Failure) => boolean;
}

const hasEmptyEntry = (f: Failure) =>
  (f.actualState?.log ?? []).some((e) => e.value === '') ||
  f.unexpected.some(
    (m) => Array.isArray(m.entries) && (m.entries as { value: string }[]).some((e) => e.value === ''),
  );

export const CLASSES: readonly DiscrepancyClass[] = [
  {
    id: 'E1 term-0 message (unreachable input; etcd reads Term 0 as a local message)',
    verdict: 'limit of the kit',
    matches: (f) => / term=0 /.test(` ${f.input} `) && f.input.startsWith('inject'),
  },
  {
    id: 'E2 leader appends an empty entry on election (thesis §6.4 no-op)',
    verdict: 'allowed variation',
    // Only when the oracle ran without the no-op (a model log with it is the leaderNoOp model).
    matches: (f) => hasEmptyEntry(f) && !(f.expectedState?.log ?? []).some((e) => e.value === ''),
  },
  {
    id: 'E3 a candidate or pre-candidate that lost its election becomes a follower at once',
    verdict: 'allowed variation',
    matches: (f) =>
      f.differences.length === 1 &&
      f.differences[0].field === 'role' &&
      f.actualState?.role === 'follower' &&
      (f.expectedState?.role === 'candidate' || f.expectedState?.role === 'preCandidate'),
  },
  {
    id: 'E4 a request with a stale term is dropped without a reply (PreVote and CheckQuorum off)',
    verdict: 'observation artefact',
    matches: (f) =>
      f.differences.length === 0 &&
      f.unexpected.length === 0 &&
      f.missing.length === 1 &&
      ((f.missing[0].type === 'RequestVoteResponse' && f.missing[0].voteGranted === false) ||
        (f.missing[0].type === 'AppendEntriesResponse' && f.missing[0].success === false)),
  },
  {
    id: "E11 a pre-vote granted for a term not ahead of the voter's (switch preVoteOwnTerm)",
    verdict: 'model switch',
    matches: (f) => {
      const proposed = /PreVoteRequest \S+ term=(\d+)/.exec(f.input);
      return (
        proposed !== null &&
        f.expectedState !== undefined &&
        Number(proposed[1]) <= f.expectedState.currentTerm &&
        f.unexpected.length === 1 &&
        f.unexpected[0].type === 'PreVoteResponse' &&
        f.unexpected[0].voteGranted === true
      );
    },
  },
  {
    id: 'E5 PreVote granted although a leader is known (switch preVoteStickiness=false; etcd ties leader stickiness to CheckQuorum)',
    verdict: 'model switch',
    matches: (f) =>
      f.differences.length === 0 &&
      f.unexpected.length === 1 &&
      f.unexpected[0].type === 'PreVoteResponse' &&
      f.unexpected[0].voteGranted === true,
  },
  {
    id: 'E6 commitIndex survives a restart (switch persistCommitIndex; HardState.Commit)',
    verdict: 'model switch',
    matches: (f) =>
      f.input.startsWith('restart') && f.differences.length === 1 && f.differences[0].field === 'commitIndex',
  },
  {
    id: 'E7 an append below the commit index is answered with matchIndex = commitIndex (switch appendBelowCommit=reply-commit)',
    verdict: 'model switch',
    matches: (f) =>
      f.differences.length === 0 &&
      f.unexpected.length === 1 &&
      f.missing.length === 1 &&
      f.unexpected[0].type === 'AppendEntriesResponse' &&
      f.missing[0].type === 'AppendEntriesResponse' &&
      f.unexpected[0].success === true &&
      f.missing[0].success === true &&
      Number(f.unexpected[0].matchIndex) > Number(f.missing[0].matchIndex),
  },
  {
    id: 'E8 a stale AppendEntries is answered with an unrejected MsgAppResp carrying the newer term (PreVote or CheckQuorum on)',
    verdict: 'observation artefact',
    matches: (f) =>
      f.differences.length === 0 &&
      f.unexpected.length === 1 &&
      f.missing.length === 1 &&
      f.unexpected[0].type === 'AppendEntriesResponse' &&
      f.missing[0].type === 'AppendEntriesResponse' &&
      f.unexpected[0].success === true &&
      f.missing[0].success === false &&
      f.unexpected[0].term === f.missing[0].term &&
      Number(f.unexpected[0].matchIndex) === 0,
  },
  {
    id: 'E9 no vote in a term whose leader is already known (switch leaderStickiness=same-term)',
    verdict: 'model switch',
    matches: (f) =>
      f.differences.length === 1 &&
      f.differences[0].field === 'votedFor' &&
      f.missing.length === 1 &&
      f.unexpected.length === 1 &&
      f.missing[0].type === 'RequestVoteResponse' &&
      f.missing[0].voteGranted === true &&
      f.unexpected[0].voteGranted === false,
  },
  {
    id: 'E10 a granted pre-vote from an earlier round (term = currentTerm, not currentTerm + 1) is counted (switch preVoteOwnTerm)',
    verdict: 'model switch',
    matches: (f) =>
      f.input.startsWith('inject PreVoteResponse') &&
      f.input.includes('voteGranted=true') &&
      f.expectedState?.role === 'preCandidate' &&
      f.actualState?.role === 'candidate',
  },
];

/** 1-based index of the first entry where the expected and actual logs differ, or 0. */
function firstLogDifference(f: Failure): number {
  const expected = f.expectedState?.log ?? [];
  const actual = f.actualState?.log ?? [];
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const e = expected[i];
    const a = actual[i];
    if (!e || !a || e.term !== a.term || e.value !== a.value) return i + 1;
  }
  return 0;
}

/**
 * Classes found once the kit modelled the no-op (E2) and etcd declared its tolerances: the
 * runner then checks what E2 had hidden after every election.
 */
export const LATER_CLASSES: readonly DiscrepancyClass[] = [
  {
    id: "E12 on a rejection the leader backs nextIndex off to the follower's hint and probes at once (switches backoff=hint, ignoreStaleRejections)",
    verdict: 'model switch',
    matches: (f) =>
      f.input.startsWith('deliver AppendEntriesResponse') &&
      f.differences.length === 0 &&
      f.missing.length === 0 &&
      f.unexpected.length === 1 &&
      f.unexpected[0].type === 'AppendEntriesRequest',
  },
  {
    id: 'E13 an injected AppendEntries overwrites an entry the node knows committed (impossible input once commitIndex survives a restart)',
    verdict: 'limit of the kit',
    matches: (f) => {
      const at = firstLogDifference(f);
      return (
        f.input.startsWith('inject AppendEntriesRequest') &&
        f.differences.some((d) => d.field === 'log') &&
        at > 0 &&
        at <= (f.expectedState?.commitIndex ?? 0)
      );
    },
  },
  {
    // The switch matrix's checkQuorum scenarios (src/generate/switch-paths.ts): the model's
    // leader runs its quorum check on ElectionTimeout; the adapter's `timeout election` is
    // RawNode.Campaign (MsgHup), which a leader ignores, and RawNode.Step refuses the local
    // MsgCheckQuorum (raft.go tickHeartbeat sends it only from ticks).
    id: "E14 `timeout election` at a leader cannot fire etcd's CheckQuorum check (Campaign is MsgHup, ignored by a leader; MsgCheckQuorum is local)",
    verdict: 'limit of the kit',
    matches: (f) =>
      /^timeout n\w+$/.test(f.input) &&
      f.differences.some((d) => d.field === 'role' && d.expected === 'follower' && d.actual === 'leader'),
  },
];

type Msg = Record<string, unknown>;

/** The message carries entries and ends at the last entry of the sender's log after the step. */
const endsAtLastEntry = (m: Msg, f: Failure) =>
  m.type === 'AppendEntriesRequest' &&
  Array.isArray(m.entries) &&
  m.entries.length > 0 &&
  Number(m.prevLogIndex) + m.entries.length === (f.expectedState?.log ?? []).length;

/** Only unexpected messages, no missing one, the state as the model's. */
const onlyExtraMessages = (f: Failure) =>
  f.differences.length === 0 && f.missing.length === 0 && f.unexpected.length > 0;

/**
 * Classes found by `raftkit fuzz` (docs/fuzz.md, "Classifying failures"): several etcd nodes
 * exchange their own messages, so a leader's flow control (tracker/progress.go) and its
 * heartbeats (MsgHeartbeat, not a MsgApp) meet states no hand-written scenario reached.
 */
export const FUZZ_CLASSES: readonly DiscrepancyClass[] = [
  {
    // raft.go:1084-1085 MsgProp → appendEntry, bcastAppend; raft.go:495-501 a follower in
    // StateReplicate gets the entries from Next and Next moves past them (OptimisticUpdate,
    // tracker/progress.go:159), so the next proposal goes out from there. The model sends on
    // heartbeats only, from nextIndex, which only a response moves.
    id: 'E16 a leader sends a new entry at once on a client request, from a nextIndex already moved past the entries in flight (StateReplicate pipelining; model switch to add)',
    verdict: 'allowed variation',
    matches: (f) =>
      f.input.startsWith('propose ') &&
      onlyExtraMessages(f) &&
      f.unexpected.every((m) => endsAtLastEntry(m, f)),
  },
  {
    // stepLeader MsgHeartbeatResp (raft.go:1175-1185): Match < lastIndex → sendAppend from
    // Next, which the answer does not move; MsgAppResp success: MaybeUpdate never lowers Next
    // (tracker/progress.go:151-153). The model sets nextIndex = matchIndex + 1 on a success.
    id: "E17 on a success (often a heartbeat's answer) the leader sends from its own nextIndex, which a success never lowers, not from matchIndex + 1 (tracker/progress.go:151-153; model switch to add)",
    verdict: 'allowed variation',
    matches: (f) =>
      f.input.startsWith('inject AppendEntriesResponse') &&
      f.input.includes('success=true') &&
      onlyExtraMessages(f) &&
      f.unexpected.every((m) => endsAtLastEntry(m, f)),
  },
  {
    // A MsgHeartbeat is reported as an empty AppendEntries at prevLogIndex = the leader's
    // Match; handleHeartbeat (raft.go:1388-1391) runs no log check and its MsgHeartbeatResp
    // carries no index, reported as matchIndex = prevLogIndex. With appendBelowCommit=
    // reply-commit the model answers an append below commitIndex with commitIndex, which
    // etcd does for a MsgApp only (raft.go:1374-1375).
    id: "E18 a heartbeat below the follower's commit index is answered without an index (MsgHeartbeatResp, reported as matchIndex = prevLogIndex), not with commitIndex",
    verdict: 'limit of the kit',
    matches: (f) => {
      const request = /^inject AppendEntriesRequest \S+ .*prevLogIndex=(\d+) .*entries=\[\] /.exec(
        `${f.input} `,
      );
      const commit = f.expectedState?.commitIndex ?? 0;
      return (
        request !== null &&
        Number(request[1]) < commit &&
        f.differences.length === 0 &&
        f.missing.length === 1 &&
        f.unexpected.length === 1 &&
        f.missing[0].type === 'AppendEntriesResponse' &&
        f.unexpected[0].type === 'AppendEntriesResponse' &&
        Number(f.missing[0].matchIndex) === commit &&
        Number(f.unexpected[0].matchIndex) === Number(request[1])
      );
    },
  },
  {
    // poll → ProgressTracker.RecordVote (raft.go:828-835, tracker/tracker.go:258-263) keeps a
    // voter's first answer of the round: a refusal from an earlier pre-vote round (term =
    // currentTerm, which stepCandidate polls) blocks that voter's later grant. The model records
    // the refusal as an answer and still counts the grant (recordGrantedVote).
    id: "E19 a voter's first answer of a round is final: a later pre-vote grant after its stale refusal is not counted (tracker.go:258-263 RecordVote; model switch to add)",
    verdict: 'allowed variation',
    matches: (f) =>
      f.input.startsWith('inject PreVoteResponse') &&
      f.input.includes('voteGranted=true') &&
      f.expectedState?.role === 'candidate' &&
      f.actualState?.role === 'preCandidate' &&
      f.unexpected.length === 0,
  },
];

const ALL_CLASSES = [...CLASSES, ...LATER_CLASSES, ...FUZZ_CLASSES];

/** Every class, in the order a failure is tried (`raftkit fuzz --classes` reads this list). */
export const DISCREPANCY_CLASSES = ALL_CLASSES;

export function classify(failure: Failure): DiscrepancyClass | null {
  return ALL_CLASSES.find((c) => c.matches(failure)) ?? null;
}

classifyCli('etcd-raft/classify.ts', ALL_CLASSES, 20);
