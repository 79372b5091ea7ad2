/**
 * Classify every failure of a `raftkit conform --report json` run against canonical raft
 * (libraft 0.15) into the discrepancy classes of docs/implementations.md (section
 * "canonical raft"), and list any failure no class explains. Exit code 1 if one is left.
 *
 *   npm run conform:canonical-raft
 *   npx tsx conformance/adapters/canonical-raft/classify.ts .raftkit-tmp/canonical-raft/conform.json
 *
 * Each class is one predicate on the first failing step (the runner stops a scenario at its
 * first discrepancy). Verdicts: (a) a departure from Raft, (b) a switch of the model
 * (SWITCHES.md names), (c) a limit of the kit. The source lines are canonical/raft v0.15.0.
 */
import { classifyCli, printClassified as printReport, type ReportResult } from '../classify-report.ts';

type Message = Readonly<Record<string, unknown>>;

export interface Failure {
  readonly input: string;
  readonly diagnosis: string;
  readonly differences: readonly { field: string; expected: string; actual: string }[];
  readonly missing: readonly Message[];
  readonly unexpected: readonly Message[];
  readonly expectedState?: { role: string; currentTerm: number };
  readonly actualState?: { role: string; currentTerm: number };
}

type Result = ReportResult<Failure>;

export interface DiscrepancyClass {
  readonly id: string;
  readonly verdict: '(a) departure from Raft' | '(b) switch of the model' | '(c) limit of the kit';
  readonly matches: (f: Failure) => boolean;
}

const only = (list: readonly Message[], type: string) => list.length === 1 && list[0].type === type;
const received = (f: Failure, type: string) => new RegExp(`^(deliver|inject) ${type}\\b`).test(f.input);
/** The step's only discrepancy: one AppendEntriesResponse sent where the model sent another. */
const otherAppendReply = (f: Failure) =>
  received(f, 'AppendEntriesRequest') &&
  f.differences.length === 0 &&
  only(f.unexpected, 'AppendEntriesResponse') &&
  only(f.missing, 'AppendEntriesResponse');
const fieldsDiffer = (f: Failure, ...fields: string[]) =>
  f.differences.length > 0 && f.differences.every((d) => fields.includes(d.field));

export const CLASSES: readonly DiscrepancyClass[] = [
  {
    id: 'C1 a server that has a leader refuses RequestVote without adopting its term (leaderStickiness "any-term-reply")',
    verdict: '(b) switch of the model',
    matches: (f) =>
      received(f, 'RequestVoteRequest') &&
      only(f.unexpected, 'RequestVoteResponse') &&
      f.unexpected[0].voteGranted === false &&
      f.differences.some((d) => d.field === 'currentTerm' || d.field === 'votedFor'),
  },
  {
    id: 'C2 a pre-vote refusal carries the request\'s term (preVoteRefusalTerm "echo")',
    verdict: '(b) switch of the model',
    matches: (f) => {
      const term = /PreVoteRequest \S+ term=(\d+)/.exec(f.input)?.[1];
      return (
        received(f, 'PreVoteRequest') &&
        only(f.unexpected, 'PreVoteResponse') &&
        only(f.missing, 'PreVoteResponse') &&
        f.unexpected[0].voteGranted === false &&
        f.missing[0].voteGranted === false &&
        (term === undefined || f.unexpected[0].term === Number(term))
      );
    },
  },
  {
    id: "C3 a pre-vote for the voter's own current term is granted, whatever its vote (preVoteOwnTerm)",
    verdict: '(b) switch of the model',
    matches: (f) => {
      const term = /PreVoteRequest \S+ term=(\d+)/.exec(f.input)?.[1];
      return (
        received(f, 'PreVoteRequest') &&
        only(f.unexpected, 'PreVoteResponse') &&
        f.unexpected[0].voteGranted === true &&
        (term === undefined || Number(term) <= (f.expectedState?.currentTerm ?? 0))
      );
    },
  },
  {
    id: 'C4 a candidate whose election times out starts a real election, not a pre-vote (candidateRetry "election")',
    verdict: '(b) switch of the model',
    matches: (f) =>
      f.input.startsWith('timeout') &&
      f.expectedState?.role === 'preCandidate' &&
      f.actualState?.role === 'candidate',
  },
  {
    id: 'C5 a stale AppendEntries with prevLogIndex 0 is answered "rejected 0", which reads as success (checkQuorum + stale-append-reply-unrejected)',
    verdict: '(b) switch of the model',
    matches: (f) =>
      otherAppendReply(f) &&
      f.unexpected[0].success === true &&
      f.missing[0].success === false &&
      f.unexpected[0].term === f.missing[0].term,
  },
  {
    id: 'C6 a response with a higher term is ignored by a server that is not waiting for it (Figure 2, All Servers)',
    verdict: '(a) departure from Raft',
    matches: (f) =>
      (received(f, 'AppendEntriesResponse') || received(f, 'RequestVoteResponse')) &&
      fieldsDiffer(f, 'currentTerm') &&
      (f.actualState?.currentTerm ?? 0) < (f.expectedState?.currentTerm ?? 0),
  },
  {
    id: 'C7 a leader commits an entry of an earlier term by counting replicas (Figure 8, §5.4.2)',
    verdict: '(a) departure from Raft',
    matches: (f) =>
      received(f, 'AppendEntriesResponse') &&
      fieldsDiffer(f, 'commitIndex') &&
      f.actualState?.role === 'leader' &&
      f.unexpected.length === 0,
  },
  {
    id: 'C8 a follower commits up to its last stored entry, not the last new entry (Figure 2, AppendEntries rule 5)',
    verdict: '(a) departure from Raft',
    matches: (f) =>
      received(f, 'AppendEntriesRequest') &&
      fieldsDiffer(f, 'commitIndex') &&
      f.differences.some((d) => Number(d.actual) > Number(d.expected)),
  },
  {
    id: "C9 a successful AppendEntries reply reports the follower's last stored index, not prevLogIndex + len(entries) (raft.tla mmatchIndex)",
    verdict: '(a) departure from Raft',
    matches: (f) =>
      otherAppendReply(f) &&
      f.unexpected[0].success === true &&
      f.missing[0].success === true &&
      Number(f.unexpected[0].matchIndex) > Number(f.missing[0].matchIndex),
  },
  {
    id: 'C10 on a rejection the leader moves nextIndex to the follower\'s hint (its last index + 1) and resends on the next heartbeat (backoff "hint")',
    verdict: '(b) switch of the model',
    matches: (f) =>
      /^(heartbeat|timeout)/.test(f.input) &&
      f.differences.length === 0 &&
      only(f.unexpected, 'AppendEntriesRequest') &&
      only(f.missing, 'AppendEntriesRequest') &&
      Number(f.unexpected[0].prevLogIndex) < Number(f.missing[0].prevLogIndex),
  },
  {
    id: 'C11 a disruptive RequestVote/PreVote is answered with a refusal in the voter\'s own term (recv_request_vote.c:58-64), not dropped as etcd\'s inLease does (leaderStickiness "any-term-reply", declared)',
    verdict: '(b) switch of the model',
    matches: (f) =>
      (received(f, 'RequestVoteRequest') || received(f, 'PreVoteRequest')) &&
      f.differences.length === 0 &&
      f.missing.length === 0 &&
      f.unexpected.length === 1 &&
      /^(RequestVote|PreVote)Response$/.test(String(f.unexpected[0].type)) &&
      f.unexpected[0].voteGranted === false,
  },
];

export function classify(failure: Failure, classes = CLASSES): DiscrepancyClass | null {
  return classes.find((c) => c.matches(failure)) ?? null;
}

/** Prints the classified summary of a report; returns the failures no class explains. */
export function printClassified(results: readonly Result[], classes = CLASSES): Result[] {
  return printReport(results, classes);
}

classifyCli('canonical-raft/classify.ts', CLASSES);
