import { describe, expect, it } from 'vitest';
import {
  formatObservation,
  loadScenarios,
  modelMismatches,
  SCENARIO_ROOT,
} from '../../src/scenario/index.ts';

/**
 * "Every scenario in the suite replays against the model itself with all expectations met"
 * (issue 4). Expected blocks are written by the model (`raftkit generate`, `--rewrite`), so
 * a difference means the file was edited by hand or the model changed since.
 */
describe('every step-mode scenario replays on the model', () => {
  const scenarios = loadScenarios([SCENARIO_ROOT]).filter((s) => s.cluster.mode === 'step');

  it('covers the suite', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(150);
  });

  it('meets every expected block', () => {
    const failures = scenarios.flatMap((s) =>
      modelMismatches(s).map(
        (m) =>
          `${s.name}:${m.line}: expected\n${m.expected ? formatObservation(m.expected).join('\n') : '(no block)'}\nmodel\n${formatObservation(m.actual).join('\n')}`,
      ),
    );
    expect(failures).toEqual([]);
  });
});
