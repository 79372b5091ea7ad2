import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/timing/stats.ts';
import { broadcastEstimate, niceCeil } from '../../src/trace/diagnose.ts';
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

/**
 * The recommended election timeout. §9.3: "broadcastTime ≪ electionTimeout ≪ MTBF … The
 * broadcast time should be an order of magnitude less than the election timeout", where
 * the broadcast time is "the average time it takes a server to send RPCs in parallel to
 * every server in the cluster and receive their responses". A log from a loaded machine
 * has a few round trips far above the rest; sizing the timeout from the worst of them
 * gave recommendations of seconds. The recommendation must rest on a high percentile of
 * the normal round trips and set the stalls aside (saying so).
 */
describe('recommended election timeout (§9.3, robust to round-trip outliers)', () => {
  /** Lockstep split votes, round trips 25–40 ms (median ≈ 31 ms), optionally one reply stalled. */
  function loaded(stallMs: number | null): string {
    const nodes = ['n1', 'n2', 'n3'];
    const timeoutMs = 100;
    const lines: object[] = [{ event: 'Cluster', nodes }];
    let k = 0;
    for (let term = 1; term <= 8; term++) {
      const start = (term - 1) * timeoutMs;
      for (const node of nodes)
        lines.push({
          event: 'TimerStart',
          node,
          time: start,
          timeoutMs,
          term: term - 1,
        });
      const fire = start + timeoutMs;
      for (const node of nodes) lines.push({ event: 'BecomeCandidate', node, time: fire, term });
      for (const from of nodes) {
        for (const to of nodes.filter((n) => n !== from)) {
          const rtt = 25 + ((k++ * 7) % 16); // 25…40 ms, spread evenly
          const stalled = stallMs !== null && term === 3 && from === 'n1' && to === 'n2';
          const request = { type: 'RequestVoteRequest', from, to, term, lastLogIndex: 0, lastLogTerm: 0 };
          const reply = { type: 'RequestVoteResponse', from: to, to: from, term, voteGranted: false };
          lines.push({ event: 'Send', node: from, time: fire + 0.1, message: request });
          lines.push({ event: 'Receive', node: to, time: fire + rtt / 2, message: request });
          lines.push({ event: 'Send', node: to, time: fire + rtt / 2, message: reply });
          lines.push({
            event: 'Receive',
            node: from,
            time: fire + 0.1 + (stalled ? stallMs : rtt),
            message: reply,
          });
        }
      }
    }
    return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
  }

  const clean = analyzeTrace(loaded(null), 'loaded.ndjson');
  const stalled = analyzeTrace(loaded(1600), 'loaded-stall.ndjson');

  it('both traces check clean and are liveness failures (so a fix is recommended)', () => {
    for (const r of [clean, stalled]) {
      expect(r.check.divergences).toEqual([]);
      expect(r.diagnosis.livenessFailure).toBe(true);
    }
    expect(clean.diagnosis.voteRoundTripMs?.median).toBeGreaterThan(29);
    expect(clean.diagnosis.voteRoundTripMs?.median).toBeLessThan(34);
    expect(stalled.diagnosis.voteRoundTripMs?.max).toBeGreaterThan(1500);
  });

  it('sizes the timeout at ten times a high percentile of the round trips, rounded to an operator value', () => {
    const d = clean.diagnosis;
    const rec = d.recommended;
    expect(rec).not.toBeNull();
    if (!rec || !d.voteRoundTripMs) return;
    // No outlier here: the basis is the p99, which for 48 samples is the largest.
    expect(rec.rttOutliers).toBe(0);
    expect(rec.rttBasisMs).toBe(d.voteRoundTripMs.p99);
    expect(rec.timeoutMinMs).toBeGreaterThanOrEqual(10 * d.voteRoundTripMs.p99);
    expect(rec.timeoutMinMs).toBeLessThan(15 * d.voteRoundTripMs.p99);
    expect([1, 1.5, 2, 2.5, 3, 4, 5, 6, 8].map((m) => m * 100)).toContain(rec.timeoutMinMs);
    expect(rec.timeoutMaxMs).toBe(2 * rec.timeoutMinMs);
  });

  it('one huge outlier does not change the recommendation, and the report says it was set aside', () => {
    const d = stalled.diagnosis;
    expect(d.recommended).toEqual({ ...clean.diagnosis.recommended, rttOutliers: 1 });
    // Sizing from the worst round trip would have asked for ten times 1.6 s.
    expect(d.recommended?.timeoutMaxMs).toBeLessThan(d.voteRoundTripMs?.max as number);
    expect(d.fix.join('\n')).toMatch(/1 of 48 vote round trips \(up to 1600\.0 ms\) is far above the others/);
    expect(d.simulateCommand).toBe(clean.diagnosis.simulateCommand);
  });
});

describe('broadcastEstimate and niceCeil', () => {
  it('keeps every round trip of a tight distribution, and is the p99 of them', () => {
    const samples = Array.from({ length: 200 }, (_, i) => 2 + (i % 50) / 10); // 2.0–6.9 ms
    const b = broadcastEstimate(samples);
    expect(b?.outliers).toBe(0);
    expect(b?.basisMs).toBe(
      percentile(
        [...samples].sort((x, y) => x - y),
        99,
      ),
    );
  });

  it('sets aside a few stalls even when there are fewer than 100 samples (where p99 is the max)', () => {
    expect(broadcastEstimate([30, 31, 29, 33, 28, 32, 9000])).toMatchObject({ outliers: 1, basisMs: 33 });
    // A constant round trip (MAD 0) keeps values up to twice the median.
    expect(broadcastEstimate([5, 5, 5, 5, 9])).toMatchObject({ outliers: 0, basisMs: 9 });
    expect(broadcastEstimate([])).toBeNull();
  });

  it('rounds up to 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k', () => {
    expect([64, 150, 151, 255, 310, 575, 801, 1000, 8000].map(niceCeil)).toEqual([
      80, 150, 200, 300, 400, 600, 1000, 1000, 8000,
    ]);
  });
});
