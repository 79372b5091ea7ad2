import { SWITCHES } from '../../models/index.ts';
import { type Scenario, scenarioFeaturesOf } from '../scenario/index.ts';
import { recordStep } from './coverage.ts';
import {
  baseItemOf,
  CHANGES_A_STEP,
  type Configuration,
  configurationItems,
  configurationItemsOfStep,
  switchConfigurations,
} from './matrix.ts';
import { chooseNodePaths, DEFAULT_NODE_BOUNDS, nodeScenarioOf, stepsKey } from './node-paths.ts';
import { slug } from './targets.ts';

/**
 * The switch matrix as scenarios: for each configuration (a switch value away from its
 * default, `matrix.ts`), the shortest node-level paths — found in the node statechart run
 * with that configuration, as `node-paths.ts` does for the default model — to each of the
 * configuration's items: the switch's own guards and transitions, and a step the switch
 * changes. Items sharing a path share a scenario, so each configuration gets a few. The
 * path is the shortest to that state in the node statechart with those switches.
 */

export const SWITCH_PATHS_GENERATOR = 'switch-paths';

const DESCRIPTIONS = new Map(configurationItems().map((item) => [item.id, item.description]));

function nameOf(config: Configuration, item: string): string {
  const base = baseItemOf(item);
  const what = base === CHANGES_A_STEP ? 'changes-a-step' : slug(base);
  return `switch-${slug(config.name)}-${what}`;
}

function scenariosOf(config: Configuration): Scenario[] {
  const items = configurationItems().filter((i) => i.id.startsWith(`switch:${config.name}/`));
  const universe = new Map(items.map((item, k) => [item.id, k]));
  const chosen = chooseNodePaths(config.features, DEFAULT_NODE_BOUNDS, universe, (state, input) =>
    configurationItemsOfStep(config, recordStep(state, input)),
  );
  const info = SWITCHES.find((s) => s.name === config.switch);
  return chosen.map((c) =>
    nodeScenarioOf(c, {
      name: nameOf(config, c.items[0]),
      with: ` with ${config.name}`,
      features: scenarioFeaturesOf(config.features),
      describe: (id) => DESCRIPTIONS.get(id) ?? id,
      references: info ? [info.source] : [],
      generator: SWITCH_PATHS_GENERATOR,
    }),
  );
}

/** Every configuration's scenarios; a path already written for another configuration is not repeated. */
export function switchScenarios(onProgress: (message: string) => void = () => {}): Scenario[] {
  const seen = new Set<string>();
  const out: Scenario[] = [];
  for (const config of switchConfigurations()) {
    onProgress(`switch matrix: node-level paths with ${config.name}`);
    for (const scenario of scenariosOf(config)) {
      const key = `${JSON.stringify(scenario.cluster.features)}${stepsKey(scenario)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(scenario);
    }
  }
  return out;
}
