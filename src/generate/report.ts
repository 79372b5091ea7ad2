import {
  actionOfStep,
  messageOfStep,
  type Scenario,
  type StepInput,
  startModelRun,
  stepModelRun,
} from '../scenario/index.ts';
import { clusterTargets } from './cluster-paths.ts';
import { type CoverageItem, coverageUniverse, itemsOfScenario, UNREACHABLE } from './coverage.ts';
import {
  baseItemOf,
  configurationItems,
  configurationItemsOfScenario,
  configurationsOf,
  switchConfigurations,
  UNREACHABLE_IN_CONFIGURATION,
} from './matrix.ts';

/**
 * The coverage report of a suite: node-level items (`coverage.ts`) and cluster-level
 * situations (the targets of `cluster-paths.ts`, recognised on the cluster model's states
 * as each scenario runs), each with the scenarios that cover it.
 */

export interface CoverageRow extends CoverageItem {
  readonly coveredBy: readonly string[];
  /** Why no scenario can cover it (then it is not counted as reachable). */
  readonly unreachable?: string;
}

/** One configuration of the switch matrix: how many scenarios run in it, how much of its items they cover. */
export interface ConfigurationRow {
  readonly name: string;
  readonly scenarios: number;
  readonly covered: number;
  readonly reachable: number;
}

export interface CoverageReport {
  readonly items: readonly CoverageRow[];
  /** The default model first, then each switch value (`raftkit features`). */
  readonly configurations: readonly ConfigurationRow[];
  /** Covered items among those not marked unreachable. */
  readonly covered: number;
  readonly reachable: number;
  /** Unreachable items that a scenario covers after all: the reason is wrong. */
  readonly contradicted: readonly string[];
}

/** The situation items: one per cluster-level target. */
export function situationItems(): CoverageItem[] {
  const targets = clusterTargets(
    () =>
      startModelRun({
        mode: 'step',
        nodes: ['n1', 'n2', 'n3'],
        features: { preVote: false, checkQuorum: false },
        initial: {},
      }).config,
  );
  return targets.map((t) => ({
    id: t.id,
    kind: 'situation',
    description: t.summary,
    reference: t.references.join(', '),
  }));
}

/** The cluster-level situations a step-mode scenario reaches on the model. */
export function situationsOfScenario(scenario: Scenario): string[] {
  let run = startModelRun(scenario.cluster);
  const targets = clusterTargets(() => run.config);
  const reached = new Set<string>();
  for (const t of targets) if (t.goal(run.state, null)) reached.add(t.id);
  for (const step of scenario.steps) {
    const input = step.input as StepInput;
    const action = actionOfStep(input, messageOfStep(run.state, input));
    const next = stepModelRun(run, input, { scenario: scenario.name, line: step.line }).run;
    if (action !== null) {
      for (const t of targets)
        if (!reached.has(t.id) && t.goal(next.state, { from: run.state, action })) reached.add(t.id);
    }
    run = next;
  }
  return [...reached];
}

/** Why an item cannot be covered: the base item's reason, or one of its configuration's. */
function unreachableReason(id: string): string | undefined {
  return UNREACHABLE[id] ?? UNREACHABLE_IN_CONFIGURATION[id] ?? UNREACHABLE[baseItemOf(id)];
}

export function coverageReport(scenarios: readonly Scenario[]): CoverageReport {
  const coveredBy = new Map<string, string[]>();
  const perConfiguration = new Map<string, number>();
  for (const scenario of scenarios) {
    if (scenario.cluster.mode !== 'step') continue;
    const configs = configurationsOf(scenario);
    if (configs.length === 0) perConfiguration.set('default', (perConfiguration.get('default') ?? 0) + 1);
    for (const c of configs) perConfiguration.set(c.name, (perConfiguration.get(c.name) ?? 0) + 1);
    const ids = [
      ...itemsOfScenario(scenario),
      ...situationsOfScenario(scenario),
      ...configurationItemsOfScenario(scenario),
    ];
    for (const id of ids) coveredBy.set(id, [...(coveredBy.get(id) ?? []), scenario.name]);
  }
  const items = [...coverageUniverse(), ...situationItems(), ...configurationItems()].map(
    (item): CoverageRow => {
      const reason = unreachableReason(item.id);
      const by = coveredBy.get(item.id) ?? [];
      return reason === undefined
        ? { ...item, coveredBy: by }
        : { ...item, coveredBy: by, unreachable: reason };
    },
  );
  const reachable = items.filter((i) => i.unreachable === undefined);
  return {
    items,
    configurations: configurationRows(items, perConfiguration),
    reachable: reachable.length,
    covered: reachable.filter((i) => i.coveredBy.length > 0).length,
    contradicted: items.filter((i) => i.unreachable !== undefined && i.coveredBy.length > 0).map((i) => i.id),
  };
}

function configurationRows(
  items: readonly CoverageRow[],
  scenarios: ReadonlyMap<string, number>,
): ConfigurationRow[] {
  const row = (name: string, mine: (i: CoverageRow) => boolean): ConfigurationRow => {
    const reachable = items.filter((i) => mine(i) && i.unreachable === undefined);
    return {
      name,
      scenarios: scenarios.get(name) ?? 0,
      reachable: reachable.length,
      covered: reachable.filter((i) => i.coveredBy.length > 0).length,
    };
  };
  return [
    row('default', (i) => i.kind !== 'switch'),
    ...switchConfigurations().map((c) => row(c.name, (i) => i.id.startsWith(`switch:${c.name}/`))),
  ];
}
