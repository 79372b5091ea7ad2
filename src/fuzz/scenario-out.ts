import { type Features, type NodeId, SWITCHES } from '../../models/index.ts';
import type { StepCommand } from '../adapters/types.ts';
import {
  type Scenario,
  type ScenarioFeatures,
  type Step,
  type StepInput,
  scenarioFeaturesOf,
  withModelExpectations,
} from '../scenario/index.ts';
import type { RunFailure, Taken } from './run.ts';

/**
 * A shrunk fuzz run as a step-mode scenario file (docs/scenario-format.md), so that
 * `raftkit conform --scenarios <file>` replays it. Only node steps are written: drops,
 * duplicates and partitions happened in the kit's network and the nodes never saw them.
 * Every delivery is written as `inject` with the whole message, because it is the message
 * the implementation itself sent (which may differ from what the model would have sent).
 * The expected blocks are the model's, as for every scenario.
 */

export interface ScenarioOrigin {
  readonly name: string;
  readonly seed: number;
  readonly run: number;
  readonly originalActions: number;
  readonly failure: RunFailure;
}

/** The step-mode input a step command carries out (a delivery as `inject` of its message). */
export function stepInputOf(command: StepCommand): StepInput {
  switch (command.type) {
    case 'deliver':
      return { kind: 'inject', message: command.message };
    case 'timeout':
      return { kind: command.timer === 'election' ? 'timeout' : 'heartbeat', node: command.node };
    case 'tick':
      return { kind: 'tick', node: command.node, ticks: command.ticks };
    case 'propose':
      return { kind: 'propose', node: command.node, value: command.value };
    case 'crash':
    case 'restart':
      return { kind: command.type, node: command.node };
  }
}

/** `safety:Election Safety` → `safety-election-safety`. */
export function signatureSlug(signature: string): string {
  return signature
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

/**
 * The shrunk scenario's `features` line: every switch the run was judged with, so its
 * expected blocks are that model's and `conform` skips it for an implementation that does not
 * declare them. A switch whose requirement is off (candidateRetry without preVote) changes
 * nothing in that run and a scenario may not name it, so it is left out.
 */
function scenarioFeatures(features: Features): ScenarioFeatures {
  const meaningful = SWITCHES.filter((info) =>
    Object.entries(info.requires ?? {}).every(([name, value]) => features[name as keyof Features] === value),
  );
  return scenarioFeaturesOf(Object.fromEntries(meaningful.map((info) => [info.name, features[info.name]])));
}

export function fuzzScenario(
  taken: readonly Taken[],
  nodes: readonly NodeId[],
  features: Features,
  origin: ScenarioOrigin,
): Scenario {
  const steps: Step[] = taken
    .filter((t) => t.command !== undefined)
    .map((t) => ({ line: 0, input: stepInputOf(t.command as StepCommand) }));
  const f = origin.failure;
  const scenario: Scenario = {
    name: origin.name,
    header: {
      summary: [
        `Found by raftkit fuzz (seed ${origin.seed}, run ${origin.run}): ${f.oracle === 'model' ? 'a step the model does not allow' : f.property}.`,
        f.diagnosis,
        `Shrunk from ${origin.originalActions} actions to ${steps.length} node steps; each inject is a message`,
        'the implementation itself sent, or the first entries of its AppendEntries (a leader that caps',
        'its messages); drops, duplicates and partitions are not node steps.',
      ],
      references: [],
      bugs: [],
      source: {
        kind: 'generated',
        generator: 'fuzz',
        seed: origin.seed,
        target: signatureSlug(`${f.oracle}:${f.property}`),
      },
      targets: [],
    },
    cluster: {
      mode: 'step',
      nodes,
      features: scenarioFeatures(features),
      initial: {},
    },
    steps,
  };
  return withModelExpectations(scenario);
}
