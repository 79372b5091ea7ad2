import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../support/capture.ts';

/**
 * A simulation of minutes must show it is alive: progress lines on stderr (every 10 s off a
 * terminal), through the trials and the search for a recommendation.
 */
describe('raftkit simulate progress', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes progress lines on stderr while trials and the recommendation search run', async () => {
    let clock = 0;
    // Each reading of the clock is 11 s later: every progress check is due.
    vi.spyOn(Date, 'now').mockImplementation(() => (clock += 11_000));
    const { code, stderr } = await runCli([
      'simulate',
      '--nodes',
      '3',
      '--timeout',
      '5-9ms',
      '--tick',
      '10ms',
      '--rtt',
      '1-5ms',
      '--trials',
      '3',
      '--seed',
      '1',
    ]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^simulate: \d+ s, trial 1\/3$/m);
    expect(stderr).toMatch(
      /^simulate: \d+ s, looking for a recommendation: --timeout \d+-\d+ms --tick [\d.]+ms, trial \d\/3$/m,
    );
  });
});
