import type { Message, NodeId } from '../../models/index.ts';
import { formatRanges, percentile, round3, roundStats, type Stats, stats } from '../timing/stats.ts';
import { type Candidacy, candidacies } from './connectivity.ts';
import type { TraceEvent } from './events.ts';
import { type Finding, rejoinCampaignTerms } from './findings.ts';
import { HoleIndex } from './holes.ts';
import type { ParsedTrace } from './trace.ts';
import { isolatedTerms, judge } from './verdict.ts';

/**
 * Liveness diagnosis of a trace: did the cluster elect leaders, and if not, why.
 *
 * Raft §5.2: "Raft uses randomized election timeouts to ensure that split votes are rare
 * and that they are resolved quickly." §9.3: "broadcastTime ≪ electionTimeout ≪ MTBF".
 * The diagnosis measures what those sentences are about — candidacies per term, votes,
 * the spread of candidacies within a term, vote round trips, drawn timeouts against the
 * actual time from timer start to candidacy — and says in plain words which one failed.
 */

export interface TermSummary {
  readonly term: number;
  /** Nodes that became candidates in the term (from BecomeCandidate, or from their RequestVotes). */
  readonly candidates: readonly NodeId[];
  /** Candidates seen only through their RequestVotes (their "becomes Candidate" line is missing). */
  readonly inferredCandidates: readonly NodeId[];
  /** "voter→candidate" for every vote granted. */
  readonly votesGranted: readonly string[];
  readonly leader: NodeId | null;
  /** Time between the first and the last candidacy of the term, ms. */
  readonly spreadMs: number | null;
  /** Time of the first candidacy of the term, ms. */
  readonly startMs: number | null;
  readonly firstLine: number;
}

export interface TimerSample {
  readonly node: NodeId;
  readonly drawnMs: number;
  readonly actualMs: number;
  readonly line: number;
}

export interface Diagnosis {
  readonly nodes: number;
  /** The highest term mentioned anywhere in the trace. */
  readonly maxTerm: number;
  readonly terms: readonly TermSummary[];
  /** Terms up to maxTerm with no candidacy in the log (lost lines). */
  readonly missingTerms: readonly number[];
  readonly leaders: readonly { term: number; node: NodeId; line: number; index: number }[];
  readonly splitVoteTerms: number;
  readonly allNodesCandidateTerms: number;
  /** Longest run of consecutive terms without a leader (missing terms count as leaderless when no leader is known later). */
  readonly longestLeaderlessRun: {
    readonly from: number;
    readonly to: number;
    readonly length: number;
  } | null;
  readonly spreadMs: Stats | null;
  /** First candidacy of a term → first candidacy of the next term (consecutive terms, no gap between). */
  readonly termPeriodMs: Stats | null;
  /** RequestVote sent → its reply received by the candidate. */
  readonly voteRoundTripMs: Stats | null;
  readonly drawnTimeoutMs: Stats | null;
  /** Timer start → candidacy. */
  readonly actualTimeoutMs: Stats | null;
  readonly byDrawn: readonly { drawnMs: number; actualMs: Stats }[];
  /** Estimated timer tick when candidacies do not follow the drawn timeouts, else null. */
  readonly tickMs: number | null;
  /** Terms without a leader whose every candidacy was by a node cut off from the majority (not counted as leaderless). */
  readonly isolatedTerms: readonly number[];
  /** Candidacies by nodes cut off from the majority: who, in which term, and the evidence. */
  readonly isolatedCandidacies: readonly {
    node: NodeId;
    term: number;
    line: number;
    how: 'stated' | 'inferred';
    evidence: string;
  }[];
  /** The named findings; `dominant` is the id of the one the verdict leads with. */
  readonly findings: readonly Finding[];
  readonly dominant: string | null;
  readonly livenessFailure: boolean;
  readonly verdict: readonly string[];
  readonly fix: readonly string[];
  readonly recommended: {
    readonly timeoutMinMs: number;
    readonly timeoutMaxMs: number;
    readonly tickMs: number;
    /** The vote round trip the timeouts are sized from (see `broadcastEstimate`), ms; null if none was logged. */
    readonly rttBasisMs: number | null;
    /** Vote round trips left out as outliers. */
    readonly rttOutliers: number;
  } | null;
  readonly simulateCommand: string | null;
}

export interface DiagnoseOptions {
  /** A run of at least this many consecutive leaderless terms is a liveness failure. */
  readonly maxLeaderlessTerms?: number;
}

export function diagnose(trace: ParsedTrace, options: DiagnoseOptions = {}): Diagnosis {
  const threshold = options.maxLeaderlessTerms ?? 3;
  const t = termFacts(trace);
  const timing = timingFacts(trace, t.terms);
  const explanation = explain({
    ...{ nodes: trace.nodes.length, maxTerm: t.maxTerm, terms: t.terms, leaders: t.leaders.length },
    ...{ splitVoteTerms: t.splitVoteTerms, allNodesCandidateTerms: t.allNodesCandidateTerms, run: t.run },
    ...timing,
    livenessFailure: t.run !== null && t.run.length >= threshold,
  });
  const judgement = judge({
    ...{ events: trace.events, candidacies: t.candidacies, terms: t.terms, isolatedTerms: t.isolated },
    ...{ leaders: t.leaders, run: t.run, threshold, rtt: timing.rtt, noLeader: explanation },
  });
  return {
    nodes: trace.nodes.length,
    maxTerm: t.maxTerm,
    terms: t.terms,
    missingTerms: t.missingTerms,
    leaders: t.leaders,
    splitVoteTerms: t.splitVoteTerms,
    allNodesCandidateTerms: t.allNodesCandidateTerms,
    longestLeaderlessRun: t.run,
    spreadMs: roundStats(timing.spread),
    termPeriodMs: roundStats(timing.period),
    voteRoundTripMs: roundStats(timing.rtt),
    drawnTimeoutMs: roundStats(timing.drawn),
    actualTimeoutMs: roundStats(timing.actual),
    byDrawn: timing.byDrawn.map((g) => ({ drawnMs: g.drawnMs, actualMs: roundStats(g.actualMs) as Stats })),
    tickMs: timing.tickMs,
    isolatedTerms: t.isolated,
    isolatedCandidacies: describeIsolated(t.candidacies),
    ...explanation,
    ...judgement,
  };
}

/** The terms of the log: who stood, who led, which terms were an isolated node's, the longest run without a leader. */
function termFacts(trace: ParsedTrace) {
  const events = trace.events;
  const terms = summarizeTerms(events);
  const maxTerm = events.reduce((m, e) => Math.max(m, e.term ?? e.message?.term ?? 0), 0);
  const inLog = new Set(terms.map((t) => t.term));
  const missingTerms: number[] = [];
  // Bounded: a damaged line can claim a term of 10^20.
  for (let t = 1; t <= maxTerm && missingTerms.length < MAX_LISTED_TERMS; t++)
    if (!inLog.has(t)) missingTerms.push(t);
  // `index` orders them: in a trace merged from several files, line numbers do not.
  const leaders = events.flatMap((e, index) =>
    e.event === 'BecomeLeader' ? [{ term: e.term ?? 0, node: e.node, line: e.line, index }] : [],
  );
  const leaderTerms = new Set(leaders.map((l) => l.term));
  const cands = candidacies(trace);
  const isolated = isolatedTerms(terms, cands);
  const isolatedSet = new Set(isolated);
  const contested = terms.filter((t) => !isolatedSet.has(t.term));
  // Terms before the first candidacy in the log are a bootstrap term (etcd, hashicorp start in term 1) or before the log began.
  const firstTerm = terms.length > 0 ? terms[0].term : maxTerm + 1;
  const rejoinTerms = rejoinCampaignTerms(events, cands, terms, leaders);
  return {
    terms,
    maxTerm,
    missingTerms,
    leaders,
    candidacies: cands,
    isolated,
    splitVoteTerms: contested.filter((t) => t.candidates.length >= 2 && t.leader === null).length,
    allNodesCandidateTerms: terms.filter((t) => t.candidates.length === trace.nodes.length).length,
    run: longestRun(firstTerm, maxTerm, leaderTerms, new Set([...isolatedSet, ...rejoinTerms])),
  };
}

/** The timing of the log: timers drawn and fired, the tick, vote round trips, candidacy spreads, term periods. */
function timingFacts(trace: ParsedTrace, terms: readonly TermSummary[]) {
  const events = trace.events;
  const holes = new HoleIndex(trace.holes);
  const timers = timerSamples(events, holes);
  const byDrawn = groupByDrawn(timers);
  const rttSamples = voteRoundTrips(events);
  return {
    drawn: stats(timers.map((s) => s.drawnMs)),
    actual: stats(timers.map((s) => s.actualMs)),
    byDrawn,
    tickMs: estimateTick(timers, byDrawn),
    rtt: stats(rttSamples),
    broadcast: broadcastEstimate(rttSamples),
    spread: stats(terms.flatMap((t) => (t.spreadMs === null ? [] : [t.spreadMs]))),
    period: stats(termPeriods(terms, holes)),
  };
}

function summarizeTerms(events: readonly TraceEvent[]): TermSummary[] {
  const accounts = new TermAccounts();
  for (const e of events) accounts.observe(e);
  return accounts.summaries();
}

/** What one term's lines say: its candidates (with the time each stood), those only inferred, the votes, its leader. */
interface TermAccount {
  candidates: Map<NodeId, number | null>;
  inferred: Set<NodeId>;
  votes: Set<string>;
  leader: NodeId | null;
  firstLine: number;
}

class TermAccounts {
  private readonly byTerm = new Map<number, TermAccount>();

  private of(term: number, line: number): TermAccount {
    let a = this.byTerm.get(term);
    if (!a) {
      a = { candidates: new Map(), inferred: new Set(), votes: new Set(), leader: null, firstLine: line };
      this.byTerm.set(term, a);
    }
    a.firstLine = Math.min(a.firstLine, line);
    return a;
  }

  observe(e: TraceEvent): void {
    if (e.event === 'BecomeCandidate' && e.term !== undefined) {
      const a = this.of(e.term, e.line);
      if (!a.candidates.has(e.node) || a.candidates.get(e.node) === null) a.candidates.set(e.node, e.time);
      a.inferred.delete(e.node);
    } else if (e.event === 'BecomeLeader' && e.term !== undefined) {
      this.of(e.term, e.line).leader = e.node;
    } else if (e.message) {
      this.message(e, e.message);
    }
  }

  /** A RequestVote names a candidate (inferred unless its candidacy is logged); a granted vote counts. */
  private message(e: TraceEvent, m: Message): void {
    if (m.type === 'RequestVoteRequest') {
      const a = this.of(m.term, e.line);
      if (!a.candidates.has(m.from)) {
        a.candidates.set(m.from, null);
        a.inferred.add(m.from);
      }
    } else if (m.type === 'RequestVoteResponse' && m.voteGranted) {
      const candidate = e.event === 'Receive' ? e.node : m.to;
      const voter = m.from;
      if (voter !== '?' && candidate !== '?') this.of(m.term, e.line).votes.add(`${voter}→${candidate}`);
    }
  }

  summaries(): TermSummary[] {
    return [...this.byTerm.entries()]
      .filter(([term]) => term > 0)
      .sort(([a], [b]) => a - b)
      .map(([term, a]) => {
        const times = [...a.candidates.values()].filter((t): t is number => t !== null);
        return {
          term,
          candidates: [...a.candidates.keys()].sort(),
          inferredCandidates: [...a.inferred].sort(),
          votesGranted: [...a.votes].sort(),
          leader: a.leader,
          spreadMs:
            times.length >= 2 ? Math.round((Math.max(...times) - Math.min(...times)) * 1000) / 1000 : null,
          startMs: times.length > 0 ? Math.min(...times) : null,
          firstLine: a.firstLine,
        };
      });
  }
}

function termPeriods(terms: readonly TermSummary[], holes: HoleIndex): number[] {
  const periods: number[] = [];
  for (let i = 1; i < terms.length; i++) {
    const a = terms[i - 1];
    const b = terms[i];
    if (b.term !== a.term + 1 || a.startMs === null || b.startMs === null) continue;
    const from = a.startMs;
    const to = b.startMs;
    if (holes.between(from, to) !== undefined) continue;
    periods.push(to - from);
  }
  return periods;
}

const MAX_LISTED_TERMS = 100_000;

/**
 * The longest run of terms without a leader; isolated terms neither count nor break a run.
 * Computed between consecutive leader terms, so that its cost does not depend on how high
 * the terms go.
 */
function longestRun(
  firstTerm: number,
  maxTerm: number,
  leaderTerms: ReadonlySet<number>,
  isolated: ReadonlySet<number>,
) {
  const isolatedSorted = [...isolated].sort((a, b) => a - b);
  let best: { from: number; to: number; length: number } | null = null;
  let start = Math.max(1, firstTerm);
  const bounds = [...leaderTerms].filter((t) => t >= start).sort((a, b) => a - b);
  for (const end of [...bounds, maxTerm + 1]) {
    const run = leaderlessBetween(start, end - 1, isolatedSorted);
    if (run !== null && (best === null || run.length > best.length)) best = run;
    start = Math.max(start, end + 1);
  }
  return best;
}

/**
 * Terms from..to minus the isolated ones (ascending, no repeats): their count and the first
 * and last of them. Walks the isolated terms, not the term numbers: a damaged line can claim
 * a term of 10^20, past 2^53, where t + 1 === t and a `while (isolated.has(t)) t++` never ends.
 */
function leaderlessBetween(from: number, to: number, isolated: readonly number[]) {
  const inside = isolated.filter((t) => t >= from && t <= to);
  const length = to - from + 1 - inside.length;
  if (length <= 0) return null;
  let first = from;
  for (const t of inside) if (t === first) first++;
  let last = to;
  for (let k = inside.length - 1; k >= 0; k--) if (inside[k] === last) last--;
  return { from: first, to: last, length };
}

function describeIsolated(cands: readonly Candidacy[]): Diagnosis['isolatedCandidacies'] {
  return cands.flatMap((c) =>
    c.isolated === null
      ? []
      : [{ node: c.node, term: c.term, line: c.line, how: c.isolated.how, evidence: c.isolated.evidence }],
  );
}

/** Timer start → the node's next candidacy, when no other timer start and no gap in the log lies between. */
function timerSamples(events: readonly TraceEvent[], holes: HoleIndex): TimerSample[] {
  const open = new Map<NodeId, TraceEvent>();
  const samples: TimerSample[] = [];
  for (const e of events) {
    if (e.event === 'TimerStart' && e.timeoutMs !== undefined) open.set(e.node, e);
    else if (e.event === 'BecomeCandidate' || e.event === 'BecomePreCandidate') {
      const start = open.get(e.node);
      open.delete(e.node);
      if (!start || start.time === null || e.time === null) continue;
      const from = start.time;
      const to = e.time;
      if (holes.between(from, to) !== undefined) continue;
      samples.push({ node: e.node, drawnMs: start.timeoutMs as number, actualMs: to - from, line: e.line });
    } else if (e.event === 'BecomeLeader' || e.event === 'Crash') open.delete(e.node);
  }
  return samples;
}

function groupByDrawn(samples: readonly TimerSample[]) {
  const groups = new Map<number, number[]>();
  for (const s of samples) groups.set(s.drawnMs, [...(groups.get(s.drawnMs) ?? []), s.actualMs]);
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([drawnMs, actual]) => ({ drawnMs, actualMs: stats(actual) as Stats }));
}

/**
 * A coarse timer tick shows as candidacies that do not follow the draw: every drawn value
 * gives about the same actual interval, above the largest draw. The tick is then about
 * that interval.
 */
function estimateTick(
  samples: readonly TimerSample[],
  byDrawn: ReturnType<typeof groupByDrawn>,
): number | null {
  if (samples.length < 5 || byDrawn.length < 2) return null;
  const drawn = stats(samples.map((s) => s.drawnMs)) as Stats;
  const actual = stats(samples.map((s) => s.actualMs)) as Stats;
  const medians = byDrawn.map((g) => g.actualMs.median);
  const medianSpread = Math.max(...medians) - Math.min(...medians);
  const drawnSpread = drawn.max - drawn.min;
  if (drawnSpread <= 0) return null;
  const flat = medianSpread < drawnSpread / 4 && actual.median > drawn.max;
  return flat ? Math.round(actual.median) : null;
}

function voteRoundTrips(events: readonly TraceEvent[]): number[] {
  const sent = new Map<string, number>();
  const rtts: number[] = [];
  for (const e of events) {
    const m = e.message;
    if (!m || e.time === null) continue;
    if (e.event === 'Send' && m.type === 'RequestVoteRequest') {
      const key = `${m.from}|${m.to}|${m.term}`;
      if (!sent.has(key)) sent.set(key, e.time);
    } else if (e.event === 'Receive' && m.type === 'RequestVoteResponse' && m.from !== '?') {
      const key = `${e.node}|${m.from}|${m.term}`;
      const t0 = sent.get(key);
      if (t0 !== undefined) {
        rtts.push(e.time - t0);
        sent.delete(key);
      }
    }
  }
  return rtts;
}

// ------------------------------------------------------------------ verdict

interface Facts {
  nodes: number;
  maxTerm: number;
  terms: readonly TermSummary[];
  leaders: number;
  splitVoteTerms: number;
  allNodesCandidateTerms: number;
  run: { from: number; to: number; length: number } | null;
  spread: Stats | null;
  rtt: Stats | null;
  broadcast: BroadcastEstimate | null;
  drawn: Stats | null;
  actual: Stats | null;
  tickMs: number | null;
  livenessFailure: boolean;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

/**
 * The round trip a recommendation is sized from. §9.3 sizes the election timeout from the
 * broadcast time, "the average time it takes a server to send RPCs in parallel to every
 * server in the cluster and receive their responses", an order of magnitude below it. The
 * worst round trip of a log is no estimate of that: one stall of a loaded machine (a
 * paused process, a swapped-out page) would set the timeout for every election. So round
 * trips far above the rest — beyond the median plus ten median absolute deviations, and
 * at least twice the median — are set aside as outliers (reported, with their count),
 * and the p99 of the others is used: a high percentile of the normal round trips.
 */
export interface BroadcastEstimate {
  /** p99 (nearest rank) of the round trips that are not outliers, ms. */
  readonly basisMs: number;
  /** Round trips above this are outliers: median + max(10 × MAD, median), ms. */
  readonly fenceMs: number;
  readonly samples: number;
  readonly outliers: number;
  /** The largest outlier, ms (null when there is none). */
  readonly outlierMaxMs: number | null;
}

export function broadcastEstimate(samples: readonly number[]): BroadcastEstimate | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  const deviations = sorted.map((x) => Math.abs(x - median)).sort((a, b) => a - b);
  const mad = percentile(deviations, 50);
  const fenceMs = median + Math.max(10 * mad, median);
  const kept = sorted.filter((x) => x <= fenceMs);
  const outliers = sorted.length - kept.length;
  return {
    basisMs: round3(percentile(kept, 99)),
    fenceMs: round3(fenceMs),
    samples: sorted.length,
    outliers,
    outlierMaxMs: outliers > 0 ? round3(sorted[sorted.length - 1]) : null,
  };
}

/** Round up to a value an operator would write: 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k ms. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 0;
  const decade = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const v = Math.round(m * decade * 1000) / 1000;
    if (v >= x - 1e-9) return v;
  }
  return 10 * decade;
}

type Explanation = Pick<Diagnosis, 'verdict' | 'fix' | 'recommended' | 'simulateCommand'>;

function explain(f: Facts): Explanation {
  if (!f.livenessFailure) {
    const verdict =
      f.leaders > 0
        ? `Leaders were elected (${f.leaders} in ${f.maxTerm} terms); no run of leaderless terms long enough to call a liveness failure.`
        : `No leader in the log, but too few terms (${f.maxTerm}) to call it a liveness failure.`;
    return { verdict: [verdict], fix: [], recommended: null, simulateCommand: null };
  }
  const run = f.run as { from: number; to: number; length: number };
  const verdict = [
    `No leader was elected in ${run.length} consecutive terms (${run.from}–${run.to})` +
      (f.leaders === 0 ? ', and none at all in the log.' : '.'),
    ...(f.splitVoteTerms > 0 ? [splitVotes(f)] : []),
    ...timingVerdicts(f),
  ];
  const recommended = recommend(f);
  const fix = fixes(f, recommended);
  if (f.drawn && f.drawn.count >= 3 && f.drawn.max === f.drawn.min) {
    verdict.push(
      `Every election timer drew the same timeout (${ms(f.drawn.min)}): the timeouts are not randomized at all.`,
    );
    fix.push(
      'Draw a fresh random timeout every time the timer is reset, from a generator seeded differently on each node.',
    );
  }
  return { verdict, fix, recommended, simulateCommand: simulateCommand(f, recommended) };
}

/** The split-vote sentence: in how many terms whose candidacies are in the log every node stood. */
function splitVotes(f: Facts): string {
  const full = f.terms.filter((t) => t.inferredCandidates.length === 0);
  const fullAll = full.filter((t) => t.candidates.length === f.nodes && t.leader === null).length;
  const partial = f.terms.filter((t) => t.inferredCandidates.length > 0);
  const partialSplit = partial.filter((t) => t.candidates.length >= 2 && t.leader === null);
  const every =
    fullAll === full.length
      ? `every term whose candidacies are in the log (${full.length} of ${full.length})`
      : `${fullAll} of the ${full.length} terms whose candidacies are in the log`;
  return (
    `Split votes: in ${every} all ${f.nodes} nodes became candidates, each voted for itself and refused the others ` +
    '(§5.2: "each server will vote for at most one candidate in a given term"), so no one reached a majority' +
    (partial.length > 0
      ? `; ${partialSplit.length} of the ${partial.length} terms only partly in the log (${formatRanges(partial.map((t) => t.term))}) show the same.`
      : '.')
  );
}

/** What the timing of the log says: candidacies closer than a round trip, a coarse tick, a narrow range, §9.3. */
function timingVerdicts(f: Facts): string[] {
  const verdict: string[] = [];
  if (f.spread && f.rtt) {
    verdict.push(
      `The candidacies of a term were at most ${ms(f.spread.max)} apart (median ${ms(f.spread.median)}), while a RequestVote round trip took ` +
        `${ms(f.rtt.min)}–${ms(f.rtt.max)} (median ${ms(f.rtt.median)}): every node's timer fired before any other node's RequestVote reached it.`,
    );
  }
  if (f.tickMs !== null && f.drawn && f.actual) {
    verdict.push(
      `The timeouts drawn were ${ms(f.drawn.min)}–${ms(f.drawn.max)}, but each node became a candidate ` +
        `${ms(f.actual.min)}–${ms(f.actual.max)} after starting its timer whatever it drew: the election timer is checked on a ` +
        `≈${f.tickMs} ms tick, coarser than the whole randomization range, so every draw rounds up to the same tick and the nodes ` +
        'fire together term after term. The randomization of §5.2 is lost.',
    );
  } else if (f.drawn && f.rtt && f.drawn.max - f.drawn.min < f.rtt.median) {
    verdict.push(
      `The randomization range of the election timeout (${ms(f.drawn.min)}–${ms(f.drawn.max)}) is narrower than a vote round trip ` +
        `(median ${ms(f.rtt.median)}), so candidacies cannot be spread far enough apart for one candidate to win (§5.2).`,
    );
  }
  if (f.drawn && f.rtt && f.drawn.min < 10 * f.rtt.median) {
    verdict.push(
      `§9.3 asks for broadcastTime ≪ electionTimeout ≪ MTBF ("an order of magnitude less"); here the smallest election timeout ` +
        `(${ms(f.drawn.min)}) is only ${(f.drawn.min / f.rtt.median).toFixed(1)}× the median vote round trip.`,
    );
  }
  return verdict;
}

type Recommended = NonNullable<Diagnosis['recommended']>;

/** Timeouts ten times the round trip (or the tick), at least the paper's 150 ms; a tick a small fraction of them. */
function recommend(f: Facts): Recommended {
  const b = f.broadcast;
  const tick = f.tickMs ?? 10;
  const min = Math.max(150, niceCeil(10 * (b ? b.basisMs : 5)), niceCeil(10 * tick));
  return {
    timeoutMinMs: min,
    timeoutMaxMs: 2 * min,
    tickMs: Math.min(tick, Math.max(1, Math.floor(min / 15))),
    rttBasisMs: b ? b.basisMs : null,
    rttOutliers: b ? b.outliers : 0,
  };
}

function fixes(f: Facts, recommended: Recommended): string[] {
  const b = f.broadcast;
  const basis = b
    ? ` (p99 of ${b.samples - b.outliers} vote round trips: ${ms(b.basisMs)})`
    : ' (no vote round trip in the log; 5 ms assumed)';
  const fix = [
    `Draw election timeouts from ${recommended.timeoutMinMs}–${recommended.timeoutMaxMs} ms (the paper uses 150–300 ms, §9.3): ` +
      `at least ten times the vote round trip${basis} — broadcastTime ≪ electionTimeout, "an order of magnitude" — with a randomization range ` +
      `(${recommended.timeoutMaxMs - recommended.timeoutMinMs} ms) well above both the round trip and the timer tick.`,
  ];
  if (b && b.outliers > 0) {
    fix.push(
      `${b.outliers} of ${b.samples} vote round trips (up to ${ms(b.outlierMaxMs as number)}) ${b.outliers === 1 ? 'is' : 'are'} far above the others ` +
        `(beyond ${ms(b.fenceMs)}: the median plus ten median absolute deviations, at least twice the median) and were left out: a stall of a loaded ` +
        'machine should not size every election. If round trips that long are normal on this network, size the timeout from them.',
    );
  }
  if (f.tickMs !== null) {
    fix.push(
      `Keep the timer tick (≈${f.tickMs} ms) a small fraction of that range — or arm a timer for the drawn deadline instead of ` +
        'polling on a ticker — so that different draws really fire at different times.',
    );
  }
  return fix;
}

function simulateCommand(f: Facts, recommended: Recommended): string {
  const b = f.broadcast;
  const rttArg =
    f.rtt && b
      ? `${Math.max(0.1, Math.floor(f.rtt.min * 10) / 10)}-${Math.max(1, Math.ceil(b.basisMs))}ms`
      : '1-5ms';
  return `raftkit simulate --nodes ${f.nodes} --timeout ${recommended.timeoutMinMs}-${recommended.timeoutMaxMs}ms --tick ${f.tickMs ?? recommended.tickMs}ms --rtt ${rttArg}`;
}

export function describeTerms(d: Diagnosis): string {
  return formatRanges(d.terms.map((t) => t.term));
}
