import { describe, expect, it } from 'vitest';
import { traceInputs } from '../../src/cli/commands/trace.ts';
import { analyzeTraceInputs, exitCodeOf, renderText, type TraceReport } from '../../src/trace/index.ts';

/**
 * Logs of real implementations run by `raftkit cluster` (node logs and kit-events.ndjson
 * as `--out` keeps them; test/fixtures/trace/README.md says how each run was made), read
 * the way `raftkit trace <dir>` reads them: each <node>.log is that node's own log, the
 * kit's Partition/Heal/Crash/Restart events merged in by time.
 *
 * Reference: §5.2 ("Raft uses randomized election timeouts to ensure that split votes are
 * rare"; a candidate "wins an election if it receives votes from a majority"), §9.3
 * (broadcastTime ≪ electionTimeout), thesis §9.6 (PreVote: a rejoining node disrupts).
 */

const DIR = 'test/fixtures/trace/cluster';
const cache = new Map<string, TraceReport>();
function report(name: string): TraceReport {
  let r = cache.get(name);
  if (!r) {
    r = analyzeTraceInputs(traceInputs([`${DIR}/${name}`]));
    cache.set(name, r);
  }
  return r;
}
const leaders = (r: TraceReport) => r.diagnosis.leaders.map((l) => `${l.node}@${l.term}`);
const isolated = (r: TraceReport) =>
  r.diagnosis.isolatedCandidacies.map((c) => `${c.node}@${c.term}:${c.how}`);
const findingIds = (r: TraceReport) => r.diagnosis.findings.map((f) => f.id);

describe('hashicorp/raft 1.1.2 in cluster mode (hclog, logger "raft", peers by address)', () => {
  it('healthy (initial-election): format detected, n1 leader of term 3 after a split vote in term 2, exit 0', () => {
    const r = report('hashicorp-healthy');
    expect(r.detection?.format).toBe('hclog');
    expect(r.trace.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(r.diagnosis.terms.map((t) => [t.term, t.candidates])).toEqual([
      [2, ['n1', 'n2', 'n3']],
      [3, ['n1', 'n3']],
    ]);
    expect(leaders(r)).toEqual(['n1@3']);
    // The winner's failed heartbeats at shutdown do not make its candidacy "isolated".
    expect(isolated(r)).toEqual([]);
    expect(r.diagnosis.dominant).toBe('healthy');
    expect(exitCodeOf(r)).toBe(0);
  });

  it('partitioned (follower-comes-back): n1 cut off by the kit, its terms 3–7 isolated (stated), rejoin named, exit 0', () => {
    const r = report('hashicorp-partitioned');
    expect(r.trace.events.filter((e) => e.node === 'kit').map((e) => e.event)).toEqual(['Partition', 'Heal']);
    expect(leaders(r)).toEqual(['n2@2', 'n1@10']);
    expect(isolated(r)).toEqual(['n1@3:stated', 'n1@4:stated', 'n1@5:stated', 'n1@6:stated', 'n1@7:stated']);
    expect(r.diagnosis.livenessFailure).toBe(false);
    expect(r.diagnosis.dominant).toBe('disruptive-rejoin');
    expect(r.diagnosis.verdict.join('\n')).toMatch(/a leader again only in term 10: n1/);
    expect(exitCodeOf(r)).toBe(0);
  });

  it('timing-broken (20 ms timeouts, BoltDB fsync per vote): no leader in any term, no peer vote ever counted, exit 1', () => {
    const r = report('hashicorp-timing');
    expect(leaders(r)).toEqual([]);
    expect(r.diagnosis.dominant).toBe('no-leader');
    expect(r.diagnosis.longestLeaderlessRun?.length).toBeGreaterThanOrEqual(40);
    expect(r.diagnosis.verdict.join('\n')).toMatch(/did a candidate count a vote from a peer/);
    expect(exitCodeOf(r)).toBe(1);
  });
});

describe('etcd 3.4 server in cluster mode (zap JSON, hex member ids)', () => {
  it('healthy (initial-election): format detected, member ids renamed to n1..n3, n1 leader of term 2, exit 0', () => {
    const r = report('etcd-healthy');
    expect(r.detection?.format).toBe('etcd');
    expect(r.trace.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(r.trace.idMapping).toMatch(/→ n1/);
    expect(leaders(r)).toEqual(['n1@2']);
    expect(r.diagnosis.dominant).toBe('healthy');
    expect(exitCodeOf(r)).toBe(0);
  });

  it('partitioned (follower-comes-back, no PreVote): n1 isolated in terms 5–10 (stated), its rejoin deposes n2, exit 0', () => {
    const r = report('etcd-partitioned');
    // n1 led term 3 until the scenario killed it (kit-events: Crash n1), n2 won term 4.
    expect(leaders(r)).toEqual(['n1@3', 'n2@4']);
    expect(isolated(r).filter((c) => c.startsWith('n1@'))).toEqual(
      [5, 6, 7, 8, 9, 10].map((t) => `n1@${t}:stated`),
    );
    expect(findingIds(r)).toContain('disruptive-rejoin');
    // n1's own candidacies after the heal (terms 11–14) are the rejoin's cost, not a majority without a leader.
    expect(findingIds(r)).not.toContain('no-leader');
    expect(exitCodeOf(r)).toBe(0);
  });

  it('timing-broken (--election-timeout-ms 5: heartbeat 1 ms): a new term every few ms, no leader, exit 1', () => {
    const r = report('etcd-timing');
    expect(leaders(r)).toEqual([]);
    expect(r.diagnosis.dominant).toBe('no-leader');
    expect(r.diagnosis.maxTerm).toBeGreaterThanOrEqual(30);
    expect(renderText(r)).toMatch(/Liveness: FAILURE/);
    expect(exitCodeOf(r)).toBe(1);
  });
});
