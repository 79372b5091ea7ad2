import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/trace/index.ts';

/**
 * The liveness diagnosis on hand-made canonical traces. §5.2: "Raft uses randomized
 * election timeouts to ensure that split votes are rare"; a cluster whose timers all draw
 * the same timeout splits every vote, and the diagnosis must say it is the draw (not a
 * tick) and that the fix is to randomize.
 */
function lockstep(terms: number, timeoutMs: number): string {
  const nodes = ['n1', 'n2', 'n3'];
  const lines: object[] = [{ event: 'Cluster', nodes }];
  for (let term = 1; term <= terms; term++) {
    const start = (term - 1) * timeoutMs;
    for (const node of nodes)
      lines.push({ event: 'TimerStart', node, time: start, timeoutMs, term: term - 1 });
    for (const node of nodes) lines.push({ event: 'BecomeCandidate', node, time: start + timeoutMs, term });
    for (const from of nodes) {
      for (const to of nodes.filter((n) => n !== from)) {
        const request = { type: 'RequestVoteRequest', from, to, term, lastLogIndex: 0, lastLogTerm: 0 };
        const reply = { type: 'RequestVoteResponse', from: to, to: from, term, voteGranted: false };
        lines.push({ event: 'Send', node: from, time: start + timeoutMs + 0.1, message: request });
        lines.push({ event: 'Receive', node: to, time: start + timeoutMs + 1, message: request });
        lines.push({ event: 'Send', node: to, time: start + timeoutMs + 1, message: reply });
        lines.push({ event: 'Receive', node: from, time: start + timeoutMs + 2, message: reply });
      }
    }
  }
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}

describe('liveness diagnosis', () => {
  it('blames a timeout that is not randomized, and asks for a fresh draw per reset', () => {
    const report = analyzeTrace(lockstep(6, 50), 'lockstep.ndjson');
    expect(report.check.divergences).toEqual([]);
    const d = report.diagnosis;
    expect(d.livenessFailure).toBe(true);
    expect(d.splitVoteTerms).toBe(6);
    expect(d.tickMs).toBeNull();
    expect(d.voteRoundTripMs?.median).toBeCloseTo(1.9);
    expect(d.verdict.join('\n')).toMatch(/Every election timer drew the same timeout \(50\.0 ms\)/);
    expect(d.fix.join('\n')).toMatch(/fresh random timeout every time the timer is reset/);
  });

  it('does not call a short leaderless run a liveness failure (threshold: --max-leaderless-terms)', () => {
    const report = analyzeTrace(lockstep(2, 50), 'short.ndjson');
    expect(report.diagnosis.livenessFailure).toBe(false);
    expect(
      analyzeTrace(lockstep(2, 50), 'short.ndjson', { maxLeaderlessTerms: 2 }).diagnosis.livenessFailure,
    ).toBe(true);
  });
});
