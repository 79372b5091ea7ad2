import type { NodeId } from '../../models/index.ts';
import { type Stats, stats } from '../timing/stats.ts';
import type { Candidacy } from './connectivity.ts';
import type { TermSummary } from './diagnose.ts';
import type { TraceEvent } from './events.ts';
import {
  between,
  churnFinding,
  dominant,
  type Finding,
  heartbeatIntervals,
  isolatedFinding,
  rejoinFinding,
  type SlowElection,
  slowFinding,
  type Tenure,
  tenures,
} from './findings.ts';

/**
 * The verdict of the liveness diagnosis: the named findings, the one that dominates and
 * why, and the fixes in that order.
 */

/** What the verdict reads of a term (the diagnosis' TermSummary). */
export type TermView = Pick<
  TermSummary,
  'term' | 'candidates' | 'inferredCandidates' | 'votesGranted' | 'leader' | 'startMs'
>;

export interface JudgeInput {
  readonly events: readonly TraceEvent[];
  readonly candidacies: readonly Candidacy[];
  readonly terms: readonly TermView[];
  readonly isolatedTerms: readonly number[];
  readonly leaders: readonly { term: number; node: NodeId; line: number; index: number }[];
  readonly run: { from: number; to: number; length: number } | null;
  readonly threshold: number;
  readonly rtt: Stats | null;
  /** The verdict and fix lines of the leaderless-run explanation (split votes, tick, §9.3). */
  readonly noLeader: { readonly verdict: readonly string[]; readonly fix: readonly string[] };
}

export interface Judgement {
  readonly findings: readonly Finding[];
  readonly dominant: string | null;
  readonly livenessFailure: boolean;
  readonly verdict: readonly string[];
  readonly fix: readonly string[];
}

/** Terms without a leader in which every candidacy was made by a node cut off from the majority. */
export function isolatedTerms(terms: readonly TermView[], candidacies: readonly Candidacy[]): number[] {
  const lonely = new Set(candidacies.filter((c) => c.isolated !== null).map((c) => `${c.node}|${c.term}`));
  return terms
    .filter(
      (t) =>
        t.leader === null &&
        t.candidates.length > 0 &&
        t.inferredCandidates.length === 0 &&
        t.candidates.every((c) => lonely.has(`${c}|${t.term}`)),
    )
    .map((t) => t.term);
}

export function judge(input: JudgeInput): Judgement {
  const list = tenures(input.events, input.candidacies);
  const drawn = stats(input.events.flatMap((e) => (e.event === 'TimerStart' ? [e.timeoutMs ?? 0] : [])));
  const heartbeat = stats(heartbeatIntervals(input.events));
  const silence = stats(list.flatMap((t) => silenceBefore(input.events, t)));
  const reelections = reelectionsAfterRejoin(input, list);
  const findings = [
    noLeaderFinding(input),
    churnFinding({ tenures: list, silence, heartbeat, drawn, rtt: input.rtt }),
    rejoinFinding(list, input.candidacies, reelections.termsLost, input.leaders),
    slowFinding(
      slowElections(input).filter((s) => !reelections.leaderTerms.has(s.term)),
      input.leaders.length,
    ),
    isolatedFinding(input.candidacies, input.isolatedTerms),
  ].filter((f): f is Finding => f !== null);
  if (!findings.some((f) => f.severity !== 'info')) findings.push(healthy(input));
  const top = dominant(findings) as NonNullable<ReturnType<typeof dominant>>;
  const rest = findings.filter((f) => f !== top.finding);
  const verdict = [
    `${top.finding.title}${findings.length > 1 && top.finding.id !== 'healthy' ? ` — this dominates: ${top.why}.` : '.'}`,
    ...top.finding.evidence,
    ...rest.map((f) => `Also: ${f.title}. ${f.evidence[0] ?? ''}`.trim()),
  ];
  return {
    findings,
    dominant: top.finding.id,
    livenessFailure: findings.some((f) => f.severity === 'failure'),
    verdict,
    fix: [...top.finding.fix, ...rest.flatMap((f) => f.fix)],
  };
}

/** How long the deposer of a churned leader had heard nothing from it (no AppendEntries received). */
function silenceBefore(events: readonly TraceEvent[], t: Tenure): number[] {
  const by = t.by;
  if (t.end !== 'churn' || by === null || by.time === null) return [];
  for (let j = by.index - 1; j > t.from && j > by.index - 20_000; j--) {
    const e = events[j];
    if (
      e.node === by.node &&
      e.event === 'Receive' &&
      e.message?.type === 'AppendEntriesRequest' &&
      e.message.from === t.node
    ) {
      return e.time === null ? [] : [by.time - e.time];
    }
  }
  return [];
}

/** The elections that followed a disruptive rejoin: their rounds are the rejoin's cost, not a slow election. */
function reelectionsAfterRejoin(input: JudgeInput, list: readonly Tenure[]) {
  const isolated = new Set(input.isolatedTerms);
  const leaderTerms = new Set<number>();
  let termsLost = 0;
  for (const t of list) {
    if (t.end !== 'rejoin' || t.stepDownLine === null) continue;
    // The disruption lasts until a leader is elected above the term the node raised alone.
    const raised = Math.max(
      ...between(input.candidacies, t.from, t.to)
        .filter((c) => c.node === t.by?.node && c.isolated !== null)
        .map((c) => c.term),
    );
    const next = input.leaders.find((l) => l.term > raised && l.index > t.to);
    const upTo = next?.term ?? Number.POSITIVE_INFINITY;
    termsLost += input.terms.filter(
      (x) => x.term > t.term && x.term <= upTo && x.candidates.length > 0 && !isolated.has(x.term),
    ).length;
    if (next) leaderTerms.add(next.term);
  }
  return { termsLost, leaderTerms };
}

function noLeaderFinding(input: JudgeInput): Finding | null {
  const run = input.run;
  if (run === null || run.length < input.threshold) return null;
  const evidence = [...input.noLeader.verdict];
  const isolated = new Set(input.isolatedTerms);
  const contested = input.terms.filter((t) => t.candidates.length > 0 && !isolated.has(t.term));
  const peerVotes = contested.filter((t) =>
    t.votesGranted.some((v) => {
      const [voter, candidate] = v.split('→');
      return voter !== candidate;
    }),
  );
  const answered = new Set(
    input.events.flatMap((e) =>
      e.event === 'Receive' && e.message?.type === 'RequestVoteResponse' ? [e.message.term] : [],
    ),
  );
  if (
    contested.length >= input.threshold &&
    peerVotes.length === 0 &&
    !contested.some((t) => answered.has(t.term))
  ) {
    evidence.push(
      `In none of the ${contested.length} contested terms did a candidate count a vote from a peer: the votes arrived after the candidate's election timeout, or not at all — the election timeout is shorter than a vote round trip (§9.3: broadcastTime ≪ electionTimeout).`,
    );
  }
  return {
    id: 'no-leader',
    severity: 'failure',
    title: `No leader: ${run.length} consecutive terms (${run.from}–${run.to}) without a leader among nodes that could talk`,
    termsLost: run.length,
    evidence,
    fix: input.noLeader.fix,
  };
}

/** Elections won after three rounds or more, counting only terms contested by nodes that could talk. */
function slowElections(input: JudgeInput): SlowElection[] {
  const isolated = new Set(input.isolatedTerms);
  const contested = input.terms.filter((t) => t.candidates.length > 0 && !isolated.has(t.term));
  const slow: SlowElection[] = [];
  const timeOfLine = new Map(input.events.map((e) => [e.line, e.time]));
  let previous = 0;
  let k = 0;
  for (const leader of [...input.leaders].sort((a, b) => a.term - b.term)) {
    while (k < contested.length && contested[k].term <= previous) k++;
    let j = k;
    while (j < contested.length && contested[j].term <= leader.term) j++;
    const rounds = contested.slice(k, j);
    if (rounds.length >= 3) {
      const start = rounds[0].startMs;
      const end = timeOfLine.get(leader.line) ?? null;
      slow.push({
        term: leader.term,
        rounds: rounds.length,
        fromTerm: rounds[0].term,
        ms: start !== null && end !== null ? end - start : null,
      });
    }
    previous = leader.term;
  }
  return slow;
}

function healthy(input: JudgeInput): Finding {
  const contested = input.terms.filter((t) => t.candidates.length > 0);
  return {
    id: 'healthy',
    severity: 'info',
    title:
      input.leaders.length > 0
        ? `Healthy: ${input.leaders.length} leader${input.leaders.length === 1 ? '' : 's'} elected, none deposed while it could lead, no election needed three rounds`
        : 'No liveness problem found',
    termsLost: 0,
    evidence: [
      input.leaders.length > 0
        ? `Leaders: ${input.leaders.map((l) => `${l.node} in term ${l.term} (line ${l.line})`).join(', ')}; ${contested.length} term${contested.length === 1 ? '' : 's'} with candidacies in the log.`
        : `No leader in the log, but too few terms (${contested.length}) to call it a liveness failure.`,
    ],
    fix: [],
  };
}
