import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, exitCodeOf, renderText, type TraceReport } from '../../src/trace/index.ts';

/**
 * Real logs of real implementations (test/fixtures/trace/README.md says how each was made)
 * against the verdicts written down before the checker could read them.
 *
 * Reference: §5.2 ("Raft uses randomized election timeouts to ensure that split votes are
 * rare"), §9.3 (broadcastTime ≪ electionTimeout ≪ MTBF), Figure 3 (Election Safety, one
 * vote per term), thesis §9.6 (PreVote) and §4.2.3 (leader stickiness).
 */

const DIR = 'test/fixtures/trace';
const cache = new Map<string, TraceReport>();
function report(name: string): TraceReport {
  let r = cache.get(name);
  if (!r) {
    const file = `${DIR}/${name}`;
    r = analyzeTrace(readFileSync(file, 'utf8'), file);
    cache.set(name, r);
  }
  return r;
}
const findingIds = (r: TraceReport) => r.diagnosis.findings.map((f) => f.id);
const isolatedTerms = (r: TraceReport, node: string) =>
  r.diagnosis.isolatedCandidacies.filter((c) => c.node === node).map((c) => c.term);

describe('eliben/raft: a follower partitioned by the test harness, a test that passed', () => {
  const r = report('eliben-follower-comes-back.log');
  it('reads [TEST] Disconnect 2 / Reconnect 2 as a partition and its heal', () => {
    const network = r.trace.events.filter((e) => e.node === 'kit');
    expect(network.map((e) => [e.line, e.event, e.groups])).toEqual([
      [42, 'Partition', [['n0', 'n1'], ['n2']]],
      [107, 'Heal', undefined],
    ]);
  });
  it('takes "becomes Leader; term=1, log=[]" whole: nothing damaged, no hole', () => {
    expect(r.trace.damaged).toEqual([]);
    expect(r.trace.holes).toEqual([]);
  });
  it("reports n2's terms 2–4 as isolated, stated by the harness, and no liveness failure (exit 0)", () => {
    expect(isolatedTerms(r, 'n2')).toEqual([2, 3, 4]);
    expect(r.diagnosis.isolatedCandidacies.every((c) => c.how === 'stated')).toBe(true);
    expect(r.diagnosis.isolatedTerms).toEqual([2, 3, 4]);
    expect(r.diagnosis.livenessFailure).toBe(false);
    expect(findingIds(r)).not.toContain('no-leader');
    expect(exitCodeOf(r)).toBe(0);
  });
  it('names the disruptive rejoin: n1 stepped down when n2 came back with term 4', () => {
    expect(r.diagnosis.dominant).toBe('disruptive-rejoin');
    const text = r.diagnosis.verdict.join('\n');
    expect(text).toMatch(
      /n2 raised its term alone \(terms 2–4, cut off: stated\).*n1, leader of term 1 \(line 19\), stepped down \(line 115\)/,
    );
    expect(r.diagnosis.fix.join('\n')).toMatch(/PreVote \(thesis §9\.6\)/);
    expect(renderText(r)).toMatch(/isolated: 3 candidacies by nodes cut off from the majority/);
  });
});

describe('the same log without its harness lines: isolation inferred', () => {
  it("n2's terms 2–4 are inferred isolated (nobody heard them while n1 led on), said to be inferred, exit 0", () => {
    const file = `${DIR}/eliben-follower-comes-back.log`;
    const text = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => !l.includes('[TEST]'))
      .join('\n');
    const r = analyzeTrace(text, file);
    expect(r.trace.events.some((e) => e.node === 'kit')).toBe(false);
    expect(isolatedTerms(r, 'n2')).toEqual([2, 3, 4]);
    expect(r.diagnosis.isolatedCandidacies.every((c) => c.how === 'inferred')).toBe(true);
    expect(r.diagnosis.isolatedCandidacies[0].evidence).toMatch(/while n1 went on leading term 1/);
    expect(renderText(r)).toMatch(
      /The log says nothing of the network: 3 candidacies were inferred to be cut off/,
    );
    expect(exitCodeOf(r)).toBe(0);
  });
});

describe('eliben/raft: the disconnect loop (no majority at times)', () => {
  const r = report('eliben-disconnect-loop.log');
  it('counts terms started with no majority as isolated, finds the run healthy, exit 0', () => {
    expect(r.diagnosis.isolatedTerms).toEqual([2, 4, 6, 8, 10]);
    expect(r.diagnosis.splitVoteTerms).toBe(0);
    expect(r.diagnosis.dominant).toBe('healthy');
    expect(findingIds(r)).toEqual(['isolated-terms', 'healthy']);
    expect(exitCodeOf(r)).toBe(0);
  });
});

describe('eliben/raft: leader churn (election timeout 20–39 ms, heartbeat ticker 50 ms)', () => {
  const r = report('eliben-churn.log');
  it('names leader churn with the heartbeat against the election timeout (exit 1)', () => {
    expect(r.diagnosis.dominant).toBe('leader-churn');
    expect(r.diagnosis.livenessFailure).toBe(true);
    const text = r.diagnosis.verdict.join('\n');
    // The verdict's first line names both sides: the 50 ms ticker, seen as the longest gap
    // between two AppendEntries of one leader to one follower, against the 20–39 ms timeouts.
    expect(r.diagnosis.verdict[0]).toMatch(
      /^Leader churn: 19 leaders deposed while they led — heartbeat interval ≥ 50\.7 ms vs election timeout 20\.0 ms–39\.0 ms, longer than the election timeout/,
    );
    expect(text).toMatch(/election timeouts drawn are 20\.0 ms–39\.0 ms/);
    expect(text).toMatch(/heartbeat interval is longer than the election timeout/);
    expect(r.diagnosis.fix[0]).toMatch(/Send heartbeats well within the election timeout/);
    expect(findingIds(r)).not.toContain('no-leader');
    expect(exitCodeOf(r)).toBe(1);
  });
  it("reports eliben's votedFor reset on a same-term step-down as a divergence in Figure 2 terms, not a safety violation", () => {
    expect(r.check.violations).toEqual([]);
    expect(r.check.divergences).toHaveLength(1);
    const d = r.check.divergences[0];
    expect(d).toMatchObject({ rule: 'state', node: 'n0', line: 257 });
    expect(d.expected).toMatch(/Figure 2 keeps votedFor for the whole term/);
  });
});

describe('hashicorp/raft hclog', () => {
  it('healthy: detected, one election in term 2, not replayed (no message contents), exit 0', () => {
    const r = report('hashicorp-healthy.log');
    expect(r.detection?.format).toBe('hclog');
    expect(r.trace.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(r.diagnosis.leaders).toEqual([{ term: 2, node: 'n2', line: 14, index: 6 }]);
    expect(r.check.replayed).toBe(false);
    expect(r.diagnosis.dominant).toBe('healthy');
    expect(exitCodeOf(r)).toBe(0);
  });
  it('partitioned: n2 inferred isolated in terms 3–20 (its RPCs failed), rejoin named, exit 0', () => {
    const r = report('hashicorp-partitioned.log');
    expect(isolatedTerms(r, 'n2')).toEqual(Array.from({ length: 18 }, (_, i) => i + 3));
    expect(r.diagnosis.isolatedCandidacies[0]).toMatchObject({ how: 'inferred' });
    expect(r.diagnosis.isolatedCandidacies[0].evidence).toMatch(/its messages to n1, n3 failed/);
    expect(findingIds(r)).not.toContain('no-leader');
    expect(r.diagnosis.dominant).toBe('disruptive-rejoin');
    expect(exitCodeOf(r)).toBe(0);
  });
  it('timing-broken: no leader in 22 terms, no peer vote ever counted in time (exit 1)', () => {
    const r = report('hashicorp-timing.log');
    expect(r.diagnosis.dominant).toBe('no-leader');
    expect(r.diagnosis.longestLeaderlessRun).toEqual({ from: 2, to: 23, length: 22 });
    expect(r.diagnosis.verdict.join('\n')).toMatch(
      /In none of the 22 contested terms did a candidate count a vote from a peer/,
    );
    expect(exitCodeOf(r)).toBe(1);
  });
});

describe('etcd raft logger', () => {
  it('healthy: detected, nodes 2 and 3 candidates in term 2, 2 wins, exit 0', () => {
    const r = report('etcd-healthy.log');
    expect(r.detection?.format).toBe('etcd');
    expect(r.diagnosis.terms.find((t) => t.term === 2)).toMatchObject({
      candidates: ['2', '3'],
      leader: '2',
    });
    expect(r.diagnosis.dominant).toBe('healthy');
    expect(exitCodeOf(r)).toBe(0);
  });
  it('partitioned: node 1 inferred isolated in terms 3–10, rejoin deposes leader 2, leader again in term 13, exit 0', () => {
    const r = report('etcd-partitioned.log');
    expect(isolatedTerms(r, '1')).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.diagnosis.dominant).toBe('disruptive-rejoin');
    expect(r.diagnosis.verdict.join('\n')).toMatch(/a leader again only in term 13: 3/);
    expect(findingIds(r)).not.toContain('no-leader');
    expect(exitCodeOf(r)).toBe(0);
  });
  it('timing-broken: leaders deposed at once, the 140 ms round trip against the election timeout (exit 1)', () => {
    const r = report('etcd-timing.log');
    expect(r.diagnosis.livenessFailure).toBe(true);
    expect(findingIds(r)).toContain('leader-churn');
    expect(findingIds(r)).toContain('slow-election');
    expect(r.diagnosis.voteRoundTripMs?.median).toBeGreaterThan(140);
    expect(r.diagnosis.verdict.join('\n')).toMatch(/broadcastTime ≪ electionTimeout/);
    expect(exitCodeOf(r)).toBe(1);
  });
});

describe('every vote counts (§5.2, Figure 3)', () => {
  it("a candidate's vote for itself and a later grant to another in the same term: a violation naming both lines, apart from the divergence", () => {
    const r = report('canonical-self-vote.ndjson');
    expect(r.check.violations).toEqual([
      {
        rule: 'single-vote',
        term: 2,
        lines: [2, 8],
        description:
          'n1 voted twice in term 2: for itself (line 2, its own candidacy) and for n2 (line 8, vote granted)',
      },
    ]);
    expect(r.check.divergences.map((d) => [d.rule, d.line])).toEqual([['vote-decision', 8]]);
    const text = renderText(r);
    expect(text).toMatch(/SAFETY PROPERTY VIOLATED/);
    expect(text).toMatch(/THE IMPLEMENTATION DID WHAT THE MODEL DOES NOT ALLOW/);
    expect(exitCodeOf(r)).toBe(1);
  });
});
