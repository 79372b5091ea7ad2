import { describe, expect, it } from 'vitest';
import {
  recommend,
  type SimulationOptions,
  type SimulationResult,
  simulate,
} from '../../src/timing/simulate.ts';

/**
 * The shape of Figure 16 of the Raft paper (time to replace a crashed leader, 5 servers,
 * against the randomness of the election timeout): "without any randomness, leader
 * election consistently took longer than 10 seconds … Adding just 5 ms of randomness
 * helps significantly … With more randomness, worst-case performance improves: with
 * 50 ms of randomness, the worst-case completion time (over 1000 trials) was 287 ms"; and
 * smaller timeouts elect sooner. The round trip is calibrated in docs/timing.md: 10–20 ms
 * here, no timer tick. Reference: §9.3, Figure 16.
 */

const PAPER: SimulationOptions = {
  nodes: 5,
  timeoutMinMs: 150,
  timeoutMaxMs: 300,
  tickMs: 0,
  rttMinMs: 10,
  rttMaxMs: 20,
  heartbeatMs: 50,
  jitterMs: 0.05,
  trials: 200,
  maxTerms: 10,
  seed: 1,
  crashLeader: true,
  preVote: false,
};

function run(min: number, max: number): SimulationResult {
  return simulate({ ...PAPER, timeoutMinMs: min, timeoutMaxMs: max, heartbeatMs: Math.round(min / 3) });
}

describe('Figure 16: time to replace a crashed leader against timeout randomness', () => {
  const none = run(150, 150);
  const five = run(150, 155);
  const fifty = run(150, 200);
  const paper = run(150, 300);
  const small = run(50, 100);

  it('150–150 ms never settles: no trial replaces the leader within 10 terms', () => {
    expect(none.elected).toBe(0);
  });

  it('150–155 ms: many trials still fail, the others take hundreds of ms', () => {
    expect(five.elected).toBeGreaterThan(0);
    expect(five.elected).toBeLessThan(five.trials);
    expect(five.timeToLeaderMs?.median).toBeGreaterThan(300);
  });

  it('150–200 ms and 150–300 ms: every trial, worst case within a second', () => {
    for (const r of [fifty, paper]) {
      expect(r.elected).toBe(r.trials);
      expect(r.timeToLeaderMs?.max).toBeLessThan(1000);
    }
  });

  it('smaller timeouts (50–100 ms) replace the leader sooner', () => {
    expect(small.elected).toBe(small.trials);
    expect(small.timeToLeaderMs?.median).toBeLessThan(paper.timeToLeaderMs?.median ?? 0);
    expect(small.timeToLeaderMs?.max).toBeLessThan(paper.timeToLeaderMs?.max ?? 0);
  });

  it("the paper's own range is kept: a quieter range would split fewer votes but replace the leader later", () => {
    const advice = recommend(PAPER, paper);
    expect(advice.alreadyGood).toBe(true);
    expect(advice.timeoutMinMs).toBe(150);
    expect(advice.reason).toMatch(/would split fewer votes .* but takes longer/);
    expect(advice.result?.timeToLeaderMs?.median).toBeGreaterThan(paper.timeToLeaderMs?.median ?? 0);
  });
});
