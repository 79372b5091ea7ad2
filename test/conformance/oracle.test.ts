import { describe, expect, it } from 'vitest';
import { loadSuite, oracleStep } from '../../src/conformance/index.ts';
import { observeNode, type StepInput, startModelRun, stepModelRun } from '../../src/scenario/index.ts';

/**
 * The runner's lean oracle step must be `stepModelRun` of the scenario module minus what it
 * does not need: on every step of every committed step-mode scenario both give the same
 * nodes, the same messages in flight, the same messages sent and the same transitions.
 */
describe('oracle step', () => {
  it('agrees with stepModelRun on the whole suite', () => {
    const files = loadSuite([
      'conformance/scenarios/generated',
      'conformance/scenarios/curated',
      'test/conformance/fixtures',
    ]);
    let steps = 0;
    for (const { scenario } of files) {
      if (scenario.cluster.mode !== 'step') continue;
      let lean = startModelRun(scenario.cluster);
      let full = startModelRun(scenario.cluster);
      for (const step of scenario.steps) {
        const input = step.input as StepInput;
        if (input.kind === 'tick') break; // the runner decides ticks itself (timers.ts)
        const where = { scenario: scenario.name, line: step.line };
        const a = oracleStep(lean, input, where);
        const b = stepModelRun(full, input, where);
        expect(a.run.state.nodes, `${scenario.name}:${step.line}`).toEqual(b.run.state.nodes);
        expect(a.run.state.network).toEqual(b.run.state.network);
        expect(a.sent).toEqual(b.observation.sent);
        expect(a.taken).toEqual(b.taken);
        if (a.node !== null) expect(observeNode(a.node, a.after!)).toEqual(b.observation.nodes[0]);
        lean = a.run;
        full = b.run;
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(400);
  });
});
