import type { NodeId } from '../../models/index.ts';
import { formatRanges, type Stats, stats } from '../timing/stats.ts';
import type { Candidacy } from './connectivity.ts';
import type { TraceEvent } from './events.ts';

/**
 * Named findings of the liveness diagnosis, each with its evidence and its fix. Which
 * one dominates is decided by the terms each costs the cluster (see `dominant`).
 *
 * - `no-leader`: a run of terms without a leader among nodes that could talk (split
 *   votes, timer tick, round trips — §5.2, §9.3); a failure.
 * - `leader-churn`: leaders deposed by a follower that timed out while they still led;
 *   §5.2: "leaders send periodic heartbeats … to maintain their authority"; a failure.
 * - `disruptive-rejoin`: a node back from isolation, its term raised by elections nobody
 *   heard, deposes a working leader (thesis §9.6 PreVote, §4.2.3 leader stickiness); a warning.
 * - `slow-election`: elections that succeed after three rounds or more; a warning.
 * - `isolated-terms`: terms started by a node cut off from the majority; information.
 * - `healthy`: none of the above.
 */

export type FindingId =
  | 'no-leader'
  | 'leader-churn'
  | 'disruptive-rejoin'
  | 'slow-election'
  | 'isolated-terms'
  | 'healthy';

export interface Finding {
  readonly id: FindingId;
  readonly severity: 'failure' | 'warning' | 'info';
  readonly title: string;
  /** The terms the finding costs the cluster (its weight when choosing the dominant one). */
  readonly termsLost: number;
  readonly evidence: readonly string[];
  readonly fix: readonly string[];
}

/** A leader's time in office, and how it ended. */
export interface Tenure {
  readonly node: NodeId;
  readonly term: number;
  readonly line: number;
  readonly time: number | null;
  /** 'churn': deposed by a connected node's candidacy; 'rejoin': by terms raised in isolation; 'crash'; 'quit': stepped down, no candidacy seen; 'lasted': to the end of the log. */
  readonly end: 'churn' | 'rejoin' | 'crash' | 'quit' | 'lasted';
  /** The candidacy that deposed it (churn, rejoin). */
  readonly by: Candidacy | null;
  /** The leader's own step-down event line, if logged. */
  readonly stepDownLine: number | null;
  /** From the election to the deposing candidacy, ms. */
  readonly lastedMs: number | null;
  /** Event indexes of the election and of the step-down (or the trace's length). */
  readonly from: number;
  readonly to: number;
}

const STEP_DOWN = new Set([
  'BecomeFollower',
  'BecomeCandidate',
  'BecomePreCandidate',
  'BecomeLeader',
  'Crash',
]);

/** Every leader's tenure: from its BecomeLeader to its next role change or crash. */
export function tenures(events: readonly TraceEvent[], candidacies: readonly Candidacy[]): Tenure[] {
  const result: Tenure[] = [];
  const open = new Map<NodeId, { event: TraceEvent; index: number }>();
  const close = (node: NodeId, endIndex: number, endEvent: TraceEvent | null) => {
    const start = open.get(node);
    if (!start) return;
    open.delete(node);
    result.push(classify(start.event, start.index, endIndex, endEvent, candidacies));
  };
  events.forEach((e, i) => {
    if (!STEP_DOWN.has(e.event)) return;
    close(e.node, i, e);
    if (e.event === 'BecomeLeader' && e.term !== undefined) open.set(e.node, { event: e, index: i });
  });
  for (const node of [...open.keys()]) close(node, events.length, null);
  return result.sort((a, b) => a.from - b.from);
}

/**
 * How a tenure ended. The deposer is the first node whose candidacy in a higher term came
 * during the tenure and reached someone (else the first candidacy at all). If that node
 * had raised its term in isolation during the tenure, it came back from isolation
 * ('rejoin') — unless the leader itself was cut off from the majority then (a healed
 * partition, nothing disrupted); otherwise it timed out while the leader led ('churn').
 */
function classify(
  leader: TraceEvent,
  from: number,
  to: number,
  endEvent: TraceEvent | null,
  candidacies: readonly Candidacy[],
): Tenure {
  const term = leader.term as number;
  const base = { node: leader.node, term, line: leader.line, time: leader.time, from, to };
  const stepDownLine = endEvent?.line ?? null;
  const none = { by: null, stepDownLine, lastedMs: null };
  if (endEvent === null) return { ...base, end: 'lasted', ...none };
  if (endEvent.event === 'Crash') return { ...base, end: 'crash', ...none };
  const during = between(candidacies, from, to).filter((c) => c.node !== leader.node && c.term > term);
  const by = during.find((c) => c.isolated === null) ?? during[0] ?? null;
  if (by === null) return { ...base, end: 'quit', ...none };
  const lonely = during.filter((c) => c.node === by.node && c.isolated !== null);
  const leaderCutOff = lonely.some((c) => c.majority !== null && !c.majority.includes(leader.node));
  const lastedMs = by.time !== null && leader.time !== null ? by.time - leader.time : null;
  if (lonely.length > 0)
    return { ...base, end: leaderCutOff ? 'quit' : 'rejoin', by, stepDownLine, lastedMs };
  return { ...base, end: 'churn', by, stepDownLine, lastedMs };
}

/**
 * Terms a node back from isolation went on raising after it deposed the working leader,
 * until the next leader: every candidacy in them is its own. They are the rejoin's cost
 * (disruptive-rejoin), not a majority that cannot elect (a log that ends before the
 * rejoiner gives up is not a liveness failure of the others).
 */
export function rejoinCampaignTerms(
  events: readonly TraceEvent[],
  cands: readonly Candidacy[],
  terms: readonly { readonly term: number; readonly candidates: readonly NodeId[] }[],
  leaders: readonly { term: number; index: number }[],
): number[] {
  const out: number[] = [];
  for (const t of tenures(events, cands)) {
    const rejoiner = t.by?.node;
    if (t.end !== 'rejoin' || rejoiner === undefined) continue;
    const upTo = leaders.find((l) => l.term > t.term && l.index > t.to)?.term ?? Number.POSITIVE_INFINITY;
    for (const x of terms) {
      const own = x.candidates.length > 0 && x.candidates.every((c) => c === rejoiner);
      if (x.term > t.term && x.term < upTo && own) out.push(x.term);
    }
  }
  return out;
}

/** The candidacies with from < index ≤ to (they are in index order): a binary search, not a scan. */
export function between(candidacies: readonly Candidacy[], from: number, to: number): Candidacy[] {
  let lo = 0;
  let hi = candidacies.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (candidacies[mid].index <= from) lo = mid + 1;
    else hi = mid;
  }
  const out: Candidacy[] = [];
  for (let k = lo; k < candidacies.length && candidacies[k].index <= to; k++) out.push(candidacies[k]);
  return out;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const range = (s: Stats) =>
  s.min === s.max ? ms(s.min) : `${ms(s.min)}–${ms(s.max)} (median ${ms(s.median)})`;

/**
 * The leader's heartbeat interval: the time between consecutive AppendEntries a leader
 * sends to the same follower within one tenure (retransmissions within 1 ms dropped).
 */
export function heartbeatIntervals(events: readonly TraceEvent[]): number[] {
  const last = new Map<string, number>();
  const intervals: number[] = [];
  for (const e of events) {
    if (e.event.startsWith('Become') || e.event === 'Crash') {
      for (const key of [...last.keys()]) if (key.startsWith(`${e.node}>`)) last.delete(key);
      continue;
    }
    const m = e.message;
    if (e.event !== 'Send' || m?.type !== 'AppendEntriesRequest' || e.time === null) continue;
    const key = `${e.node}>${m.to}`;
    const previous = last.get(key);
    if (previous !== undefined && e.time - previous > 1) intervals.push(e.time - previous);
    if (previous === undefined || e.time - previous > 1) last.set(key, e.time);
  }
  return intervals;
}

export interface ChurnFacts {
  readonly tenures: readonly Tenure[];
  /** For each leader deposed by churn: how long its deposer had heard nothing from it, ms. */
  readonly silence: Stats | null;
  readonly heartbeat: Stats | null;
  readonly drawn: Stats | null;
  readonly rtt: Stats | null;
}

/**
 * The heartbeat interval the log shows, from below: a leader sends an AppendEntries to
 * each follower at least once an interval, so the interval is at least the longest gap
 * seen between two of them (`heartbeat`) and at least the time a deposing follower went
 * without one (`silence`). Null when the log shows no AppendEntries.
 */
export function heartbeatAtLeast(f: Pick<ChurnFacts, 'heartbeat' | 'silence'>): number | null {
  const bounds = [f.heartbeat?.max, f.silence?.max].filter((x): x is number => x !== undefined);
  return bounds.length === 0 ? null : Math.max(...bounds);
}

/** The title's comparison: "heartbeat interval ≥ 50.7 ms vs election timeout 20.0–39.0 ms". */
function heartbeatVersusTimeout(f: ChurnFacts): string {
  const beat = heartbeatAtLeast(f);
  if (beat === null || f.drawn === null) return '';
  const timeout = f.drawn.min === f.drawn.max ? ms(f.drawn.min) : `${ms(f.drawn.min)}–${ms(f.drawn.max)}`;
  const longer = beat >= f.drawn.min ? ', longer than the election timeout' : '';
  return ` — heartbeat interval ≥ ${ms(beat)} vs election timeout ${timeout}${longer}`;
}

/** Evidence and fix when the log shows the leaders' AppendEntries and the timeouts drawn. */
function heartbeatEvidence(f: ChurnFacts, drawn: Stats, beat: number): [string, string] {
  const parts = [
    f.heartbeat ? `two AppendEntries of a leader to one follower came ${range(f.heartbeat)} apart` : null,
    f.silence
      ? `the follower that deposed its leader had heard no AppendEntries for ${range(f.silence)}`
      : null,
  ].filter((p): p is string => p !== null);
  const evidence =
    `Heartbeat interval against election timeout: ${parts.join('; ')} — so the leaders' heartbeat interval is at least ${ms(beat)}; ` +
    `the election timeouts drawn are ${range(drawn)}` +
    (beat >= drawn.min
      ? ': the heartbeat interval is longer than the election timeout, so followers time out between two heartbeats (§5.2: leaders send periodic heartbeats "to maintain their authority"; §9.3).'
      : '.');
  const fix =
    `Send heartbeats well within the election timeout: an interval of at most ${ms(Math.max(0.1, drawn.min / 10))} (a tenth of the smallest timeout, ${ms(drawn.min)}), ` +
    `or raise the election timeout to at least ten heartbeat intervals (≥ ${ms(10 * beat)}).`;
  return [evidence, fix];
}

/** Evidence and fix when the log lacks heartbeats or timeouts: the round trip, else the general rule. */
function fallbackEvidence(f: ChurnFacts): [string, string] {
  if (f.rtt) {
    return [
      `No heartbeat is logged; a vote round trip took ${range(f.rtt)}: messages take about as long as an election timeout, so followers time out before the new leader's first heartbeats reach them (§9.3: broadcastTime ≪ electionTimeout).`,
      `Make the election timeout at least ten times the round trip (≥ ${ms(10 * f.rtt.median)}) and the heartbeat interval a small fraction of it.`,
    ];
  }
  return [
    'The log shows neither heartbeats nor message round trips: compare the heartbeat interval with the election timeout of this configuration.',
    'Keep the heartbeat interval a small fraction (≤ 1/10) of the smallest election timeout (§5.2, §9.3).',
  ];
}

/** Leader churn: at least two leaders, and most of those whose tenure ended in the log, deposed by connected followers. */
export function churnFinding(f: ChurnFacts): Finding | null {
  const churned = f.tenures.filter((t) => t.end === 'churn');
  const ended = f.tenures.filter((t) => t.end !== 'lasted');
  if (churned.length < 2 || churned.length * 2 < ended.length) return null;
  const lasted = stats(churned.flatMap((t) => (t.lastedMs === null ? [] : [t.lastedMs])));
  const first =
    `${churned.length} of ${f.tenures.length} leaders were deposed by a follower that timed out and started an election while they still led ` +
    `(its RequestVotes reached the others: it was not isolated)${lasted ? `, ${range(lasted)} after their election` : ''}; ` +
    `first: ${churned[0].node}, leader of term ${churned[0].term} (line ${churned[0].line}), deposed by ${churned[0].by?.node}'s candidacy in term ${churned[0].by?.term} (line ${churned[0].by?.line}).`;
  const beat = heartbeatAtLeast(f);
  const [evidence, fix] =
    beat !== null && f.drawn ? heartbeatEvidence(f, f.drawn, beat) : fallbackEvidence(f);
  return {
    id: 'leader-churn',
    severity: 'failure',
    title: `Leader churn: ${churned.length} leaders deposed while they led${heartbeatVersusTimeout(f)}`,
    termsLost: churned.length,
    evidence: [first, evidence],
    fix: [fix],
  };
}

/** A node back from isolation deposes a working leader with the term it raised alone. */
export function rejoinFinding(
  tenureList: readonly Tenure[],
  candidacies: readonly Candidacy[],
  termsLost: number,
  leaders: readonly { term: number; node: NodeId; line: number; index: number }[],
): Finding | null {
  const rejoins = tenureList.filter((t) => t.end === 'rejoin');
  if (rejoins.length === 0) return null;
  const evidence = rejoins.slice(0, 3).map((t) => {
    const lonely = between(candidacies, t.from, t.to).filter(
      (c) => c.node === t.by?.node && c.isolated !== null,
    );
    const terms = formatRanges(lonely.map((c) => c.term));
    const raised = Math.max(...lonely.map((c) => c.term));
    const next = leaders.find((l) => l.term > raised && l.index > t.to);
    return (
      `${t.by?.node} raised its term alone (terms ${terms}, cut off: ${lonely[0]?.isolated?.how}); when it could talk again, ${t.node}, leader of term ${t.term} ` +
      `(line ${t.line}), stepped down (line ${t.stepDownLine})` +
      (next
        ? `; a leader again only in term ${next.term}: ${next.node} (line ${next.line}).`
        : '; no leader after that in the log.')
    );
  });
  return {
    id: 'disruptive-rejoin',
    severity: 'warning',
    title: `Disruptive rejoin: ${rejoins.length} working leader${rejoins.length === 1 ? '' : 's'} deposed by a node back from isolation`,
    termsLost,
    evidence,
    fix: [
      'Enable PreVote (thesis §9.6): a node that cannot win an election does not raise its term, so it cannot depose a working leader when it returns.',
      'With leader stickiness (thesis §4.2.3: a server that has heard from a leader within the election timeout ignores RequestVotes) or CheckQuorum (§6.2), the majority keeps its leader.',
    ],
  };
}

/** Terms started by nodes cut off from a majority, reported as theirs. */
export function isolatedFinding(
  candidacies: readonly Candidacy[],
  isolatedTerms: readonly number[],
): Finding | null {
  const lonely = candidacies.filter((c) => c.isolated !== null);
  if (lonely.length === 0) return null;
  const byNode = new Map<NodeId, Candidacy[]>();
  for (const c of lonely) byNode.set(c.node, [...(byNode.get(c.node) ?? []), c]);
  const evidence = [...byNode.entries()].map(
    ([node, list]) =>
      `${node}: terms ${formatRanges(list.map((c) => c.term))} started while it was cut off from a majority — ${list[0].isolated?.how === 'stated' ? 'stated by the log' : 'inferred'}: ${list[0].isolated?.evidence}.`,
  );
  evidence.push(
    `Terms with no candidacy but an isolated one (${isolatedTerms.length}: ${formatRanges(isolatedTerms) || 'none'}) are not counted as a cluster without a leader: liveness is judged on a majority that can talk (§5.2 needs its votes).`,
  );
  return {
    id: 'isolated-terms',
    severity: 'info',
    title: `Isolated terms: ${lonely.length} candidac${lonely.length === 1 ? 'y' : 'ies'} by node${byNode.size === 1 ? '' : 's'} cut off from the majority`,
    termsLost: 0,
    evidence,
    fix: [],
  };
}

export interface SlowElection {
  readonly term: number;
  readonly rounds: number;
  readonly fromTerm: number;
  readonly ms: number | null;
}

/** Elections that needed three rounds or more among the nodes that could talk. */
export function slowFinding(slow: readonly SlowElection[], leaders: number): Finding | null {
  if (slow.length === 0) return null;
  const worst = [...slow].sort((a, b) => b.rounds - a.rounds)[0];
  return {
    id: 'slow-election',
    severity: 'warning',
    title: `Slow elections: ${slow.length} of ${leaders} took three rounds or more`,
    termsLost: slow.reduce((sum, s) => sum + s.rounds - 1, 0),
    evidence: [
      `The longest: terms ${worst.fromTerm}–${worst.term}, ${worst.rounds} rounds` +
        (worst.ms === null ? '' : `, ${ms(worst.ms)} from the first candidacy to the leader`) +
        '. Each failed round is a split vote or a candidacy that timed out before its votes arrived (§5.2).',
    ],
    fix: [
      'Spread candidacies further apart than a vote round trip: a wider randomization range of the election timeout (§5.2; the paper uses 150–300 ms), and a timeout well above the round trip (§9.3).',
    ],
  };
}

/** The finding that dominates: failures before warnings, then the one costing the most terms. */
export function dominant(findings: readonly Finding[]): { finding: Finding; why: string } | null {
  const rank = (f: Finding) => (f.id === 'healthy' ? 2 : { failure: 0, warning: 1, info: 3 }[f.severity]);
  const sorted = [...findings].sort((a, b) => rank(a) - rank(b) || b.termsLost - a.termsLost);
  const top = sorted[0];
  if (!top) return null;
  const others = sorted.slice(1).filter((f) => f.severity !== 'info');
  const why =
    others.length === 0
      ? top.severity === 'info'
        ? 'no problem was found'
        : 'it is the only problem found'
      : `it ${top.severity === others[0].severity ? 'costs more terms' : `is a ${top.severity}`} (${top.termsLost} against ${others
          .map((o) => `${o.termsLost} for ${o.id}`)
          .join(', ')})`;
  return { finding: top, why };
}
