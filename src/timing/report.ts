import { formatMs } from './options.ts';
import { type Recommendation, type SimulationResult, TARGET_P_LEADER } from './simulate.ts';

/** The `raftkit simulate` report, as text and as JSON (documented in docs/timing.md). */

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const fmt = (x: number | undefined) => (x === undefined ? '–' : `${x.toFixed(1)} ms`);

function flagsOf(r: { timeoutMinMs: number; timeoutMaxMs: number; tickMs: number }): string {
  return `--timeout ${r.timeoutMinMs}-${r.timeoutMaxMs}ms --tick ${r.tickMs}ms`;
}

export function renderSimulationText(result: SimulationResult, recommendation: Recommendation): string {
  const out = [
    ...configurationLines(result),
    '',
    ...outcomeLines(result),
    '',
    ...verdictLines(result, recommendation),
    '',
    `repeat: ${commandOf(result)}`,
  ];
  return `${out.join('\n')}\n`;
}

function configurationLines(result: SimulationResult): string[] {
  const c = result.config;
  return [
    `raftkit simulate: ${c.nodes} nodes, election timeout ${formatMs(c.timeoutMinMs, c.timeoutMaxMs)}, timer tick ` +
      `${c.tickMs > 0 ? formatMs(c.tickMs) : 'none (exact timers)'}, round trip ${formatMs(c.rttMinMs, c.rttMaxMs)}, ` +
      `heartbeat ${formatMs(c.heartbeatMs)}, jitter ${formatMs(c.jitterMs)}${c.preVote ? ', PreVote on' : ''}`,
    `${result.trials} trials, simultaneous start, up to ${c.maxTerms} terms each` +
      (c.crashLeader ? '; the first leader is crashed after its first heartbeats arrive' : ''),
  ];
}

function outcomeLines(result: SimulationResult): string[] {
  const c = result.config;
  const what = c.crashLeader ? 'replace a crashed leader' : 'elect a leader';
  const t = result.timeToLeaderMs;
  return [
    `P(leader per term): ${pct(result.pLeaderPerTerm)}  (${result.termsWithLeader} of ${result.terms} terms with a candidate)`,
    `split-vote rate:    ${pct(result.splitVoteRate)}  (${result.splitVoteTerms} terms: ≥ 2 candidates, no leader)`,
    `trials that managed to ${what} within ${c.maxTerms} terms: ${result.elected} of ${result.trials}`,
    `time to ${what}: ` +
      (t === null ? 'never, in any trial' : `median ${fmt(t.median)}, p99 ${fmt(t.p99)}, max ${fmt(t.max)}`),
  ];
}

function verdictLines(result: SimulationResult, recommendation: Recommendation): string[] {
  if (recommendation.alreadyGood) return [`verdict: good — ${recommendation.reason}.`];
  const r = recommendation.result;
  return [
    `verdict: ${result.pLeaderPerTerm < TARGET_P_LEADER ? 'too many split votes' : 'see the recommendation'} — ` +
      'Raft needs candidacies spread further apart than a vote round trip (§5.2), and broadcastTime ≪ electionTimeout (§9.3).',
    `recommended: ${flagsOf(recommendation)}` +
      (r
        ? ` → P(leader per term) ${pct(r.pLeaderPerTerm)}, time to elect median ${fmt(r.timeToLeaderMs?.median)}, ` +
          `p99 ${fmt(r.timeToLeaderMs?.p99)} (${r.trials} trials, same seed)`
        : ''),
    `  why: ${recommendation.reason}`,
  ];
}

export function commandOf(result: SimulationResult): string {
  const c = result.config;
  return (
    `raftkit simulate --nodes ${c.nodes} --timeout ${c.timeoutMinMs}-${c.timeoutMaxMs}ms --tick ${c.tickMs}ms ` +
    `--rtt ${c.rttMinMs}-${c.rttMaxMs}ms --heartbeat ${c.heartbeatMs}ms --jitter ${c.jitterMs}ms --trials ${result.trials} ` +
    `--max-terms ${c.maxTerms}${c.crashLeader ? ' --crash-leader' : ''}${c.preVote ? ' --pre-vote' : ''} --seed ${result.seed}`
  );
}

export function renderSimulationJson(result: SimulationResult, recommendation: Recommendation): string {
  const { config, ...rest } = result;
  const document = {
    version: 1,
    ...rest,
    config,
    recommended: {
      alreadyGood: recommendation.alreadyGood,
      timeoutMinMs: recommendation.timeoutMinMs,
      timeoutMaxMs: recommendation.timeoutMaxMs,
      tickMs: recommendation.tickMs,
      reason: recommendation.reason,
      pLeaderPerTerm: recommendation.result?.pLeaderPerTerm ?? null,
      timeToLeaderMs: recommendation.result?.timeToLeaderMs ?? null,
    },
    command: commandOf(result),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
