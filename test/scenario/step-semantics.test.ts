import { describe, expect, it } from 'vitest';
import { addMessages, applyAction, runMacrostep } from '../../models/index.ts';
import { loadSuite } from '../../src/conformance/index.ts';
import {
  actionOfStep,
  messageOfStep,
  type StepInput,
  startModelRun,
  stepModelRun,
  stepOfAction,
  stepScenario,
} from '../../src/scenario/index.ts';

/**
 * One scenario-step semantics (issue 12): the replayer, the generator and the conformance
 * runner all step through `stepScenario`, and it is nothing but the cluster model's own
 * `applyAction` (the explorer's semantics) on the action the step converts to. Checked on
 * every step of every committed step-mode scenario.
 */
function suite() {
  return loadSuite([
    'conformance/scenarios/generated',
    'conformance/scenarios/curated',
    'test/conformance/fixtures',
  ])
    .map((f) => f.scenario)
    .filter((s) => s.cluster.mode === 'step');
}

describe('scenario step semantics', () => {
  it('is applyAction of the cluster model on the converted action, on the whole suite', () => {
    let steps = 0;
    for (const scenario of suite()) {
      let run = startModelRun(scenario.cluster);
      for (const step of scenario.steps) {
        const input = step.input as StepInput;
        const where = `${scenario.name}:${step.line}`;
        const message = messageOfStep(run.state, input);
        const action = actionOfStep(input, message);
        const got = stepScenario(run, input, { scenario: scenario.name, line: step.line });
        if (action === null) {
          expect(input.kind, where).toBe('tick');
          expect(got.run, where).toBe(run);
          continue;
        }
        const bag =
          input.kind === 'inject'
            ? { ...run.state, network: addMessages(run.state.network, [input.message]) }
            : run.state;
        const want = applyAction(run.config, bag, action);
        expect(got.run.state.nodes, where).toEqual(want.state.nodes);
        expect(got.run.state.network, where).toEqual(want.state.network);
        expect(got.sent, where).toEqual(want.sent);
        if (got.node !== null && got.input !== null && got.before !== null) {
          const taken = runMacrostep(run.config.machine, got.before, got.input).taken;
          expect(
            got.taken.map(({ node, ...t }) => t),
            where,
          ).toEqual(taken);
        } else expect(['drop', 'duplicate'], where).toContain(input.kind);
        expect(stepModelRun(run, input).observation.sent, where).toEqual(got.sent);
        run = got.run;
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(400);
  });

  it('converts a cluster action to a step and back to the same action', () => {
    let checked = 0;
    for (const scenario of suite().slice(0, 40)) {
      let run = startModelRun(scenario.cluster);
      for (const step of scenario.steps) {
        const input = step.input as StepInput;
        if (input.kind === 'tick') break;
        const message = messageOfStep(run.state, input);
        const action = actionOfStep(input, message);
        if (action === null || input.kind === 'inject') {
          run = stepScenario(run, input).run;
          continue;
        }
        const back = stepOfAction(run.state, action);
        const again = actionOfStep(back, messageOfStep(run.state, back));
        expect(again).toEqual(action);
        run = stepScenario(run, input).run;
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
