import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClusterBounds, enabledActions, MESSAGE_TYPES } from '../../models/index.ts';
import { InProcessAdapter } from '../../src/adapters/index.ts';
import { DEFAULT_TIMING, runScenario } from '../../src/conformance/index.ts';
import { ReferenceHarness } from '../../src/reference/index.ts';
import {
  type ClusterSpec,
  type Scenario,
  startModelRun,
  stepOfAction,
  stepScenario,
} from '../../src/scenario/index.ts';

/**
 * Random step-mode scenarios: walks of the cluster model (any enabled environment action —
 * timeouts, client requests, crashes, restarts, deliveries, drops, duplicates — chosen by
 * fast-check) written as scenarios and run through the conformance runner against the
 * reference implementation. The reference is an independent Raft, so every such run must
 * pass: a failure is a disagreement between the model, the runner and the reference, with
 * the shrunk scenario to show it.
 */

const NODES = ['n1', 'n2', 'n3'];
const BOUNDS: ClusterBounds = { maxTerm: 4, maxLog: 3, maxCopies: 2, maxCrashes: 2 };

/** Turn a list of choices into a scenario by walking the model. */
function walk(preVote: boolean, choices: readonly number[]): Scenario {
  const cluster: ClusterSpec = {
    mode: 'step',
    nodes: NODES,
    features: { preVote, checkQuorum: false },
    initial: {},
  };
  let run = startModelRun(cluster);
  const config = { ...run.config, values: ['x', 'y'] };
  run = { ...run, config };
  const steps: Scenario['steps'][number][] = [];
  for (const choice of choices) {
    const actions = enabledActions(config, run.state, BOUNDS);
    if (actions.length === 0) break;
    const input = stepOfAction(run.state, actions[choice % actions.length]);
    const line = steps.length + 1;
    const next = stepScenario(run, input, { scenario: 'random', line });
    if (next.after && next.after.context.currentTerm > BOUNDS.maxTerm) break;
    steps.push({ line, input });
    run = next.run;
  }
  return {
    name: 'random',
    header: {
      summary: ['random walk'],
      references: [],
      bugs: [],
      source: { kind: 'curated', citation: 'test' },
      targets: [],
    },
    cluster,
    steps,
  };
}

describe('random scenarios against the reference', () => {
  expect(MESSAGE_TYPES.length).toBe(6);
  for (const preVote of [false, true]) {
    it(`pass the runner (preVote=${preVote})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat(), { minLength: 5, maxLength: 60 }), async (choices) => {
          const scenario = walk(preVote, choices);
          const result = await runScenario(
            new InProcessAdapter('reference', new ReferenceHarness()),
            scenario,
            'random',
            {
              features: { preVote: true, checkQuorum: false, ticks: true, restartWithPersistence: true },
              timing: DEFAULT_TIMING,
              seed: 1,
            },
          );
          if (result.status !== 'pass') {
            throw new Error(`${result.failure?.input}: ${result.failure?.diagnosis}`);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
