import { getShortestPaths } from 'xstate/graph';
import {
  type Features,
  makeFeatures,
  type NodeInput,
  type NodeSnapshot,
  type NodeState,
  nodeMachine,
  serializeNode,
  toNodeState,
} from '../../models/index.ts';
import {
  formatInput,
  formatLog,
  type Scenario,
  type Step,
  stepOfNodeInput,
  withModelExpectations,
} from '../scenario/index.ts';
import { coverageUniverse, itemsOfStep, RULES, recordStep } from './coverage.ts';
import { CLUSTER, NODE, nodeInputs } from './node-events.ts';
import { bugClassesOf, slug } from './targets.ts';

/**
 * Node-level scenarios from the node statechart with `xstate/graph`.
 *
 * `getShortestPaths(nodeMachine, …)` enumerates the states of one node (`n1` of a 3-node
 * cluster) reachable with the inputs of `node-events.ts` — always passed as a function of
 * the state, with full payloads — within small bounds on term and log length. Then every
 * input is tried in every state, in a fixed order, and each coverage item (transition,
 * guard outcome, payload class, Figure 2 rule) is assigned the first — so the shortest —
 * path that exercises it: the shortest path to the state, then that input. Items sharing
 * a path become one scenario. No randomness: the seed is 0 and the output is the same on
 * every run.
 */

export const NODE_PATHS_GENERATOR = 'node-paths';

export interface NodeSearchBounds {
  /** States with a currentTerm at this bound are not expanded. */
  readonly maxTerm: number;
  /** States with a log this long are not expanded. */
  readonly maxLog: number;
}

export const DEFAULT_NODE_BOUNDS: NodeSearchBounds = { maxTerm: 3, maxLog: 2 };

interface ReachedState {
  readonly inputs: readonly NodeInput[];
  readonly state: NodeState;
}

function clean(state: NodeState): NodeState {
  return { role: state.role, context: { ...state.context, outbox: [] } };
}

/** The shortest path to every reachable state of the node, via xstate/graph. */
export function reachableNodeStates(
  features: Features,
  bounds: NodeSearchBounds = DEFAULT_NODE_BOUNDS,
): ReachedState[] {
  const paths = getShortestPaths(nodeMachine, {
    input: { id: NODE, cluster: CLUSTER, features },
    events: (snapshot) => nodeInputs(clean(toNodeState(snapshot as NodeSnapshot))),
    serializeState: (snapshot) => serializeNode(toNodeState(snapshot as NodeSnapshot)),
    stopWhen: (snapshot) => {
      const c = (snapshot as NodeSnapshot).context;
      return c.currentTerm >= bounds.maxTerm || c.log.length >= bounds.maxLog;
    },
  });
  const reached = paths.map((p) => ({
    inputs: p.steps.map((s) => s.event as NodeInput).filter((e) => !e.type.startsWith('xstate.')),
    state: clean(toNodeState(p.state as NodeSnapshot)),
  }));
  // Shortest first; among equals, the order xstate/graph found them in (deterministic).
  return reached
    .map((r, order) => ({ r, order }))
    .sort((a, b) => a.r.inputs.length - b.r.inputs.length || a.order - b.order)
    .map(({ r }) => r);
}

export interface Chosen {
  readonly inputs: readonly NodeInput[];
  readonly before: NodeState;
  readonly items: string[];
}

/** The items one input exercises from one state: by default the coverage universe's. */
export type ItemsOfInput = (state: NodeState, input: NodeInput) => string[];

const universeItems: ItemsOfInput = (state, input) => itemsOfStep(recordStep(state, input));

/**
 * Assign every item (of `universe`, in its order) the shortest path exercising it; group
 * items by path.
 */
export function chooseNodePaths(
  features: Features,
  bounds: NodeSearchBounds = DEFAULT_NODE_BOUNDS,
  universe: ReadonlyMap<string, number> = new Map(coverageUniverse().map((item, k) => [item.id, k])),
  itemsOf: ItemsOfInput = universeItems,
): Chosen[] {
  const byPath = new Map<string, Chosen>();
  const taken = new Set<string>();
  for (const { inputs, state } of reachableNodeStates(features, bounds)) {
    for (const input of nodeInputs(state)) {
      const items = itemsOf(state, input).filter((id) => universe.has(id) && !taken.has(id));
      if (items.length === 0) continue;
      const path = [...inputs, input];
      const key = JSON.stringify(path);
      const chosen = byPath.get(key) ?? { inputs: path, before: state, items: [] };
      for (const id of items) {
        taken.add(id);
        chosen.items.push(id);
      }
      byPath.set(key, chosen);
    }
  }
  const order = (id: string) => universe.get(id) ?? 0;
  return [...byPath.values()]
    .map((c) => ({ ...c, items: [...c.items].sort((a, b) => order(a) - order(b)) }))
    .sort((a, b) => order(a.items[0]) - order(b.items[0]));
}

function describeState(state: NodeState): string {
  const c = state.context;
  return `${state.role}, term ${c.currentTerm}, votedFor ${c.votedFor ?? 'none'}, log ${formatLog(c.log)}, commitIndex ${c.commitIndex}`;
}

function describeTaken(before: NodeState, input: NodeInput): string {
  const record = recordStep(before, input);
  if (record.taken.length === 0) return 'no transition (the input is ignored in this state)';
  return record.taken
    .map(
      (t) =>
        `${t.source}/${t.event}${t.guard ? `[${t.guard}]` : ''}: ${t.actions.join(', ') || 'nothing'}${t.target ? ` → ${t.target}` : ''}`,
    )
    .join('; ');
}

const DESCRIPTIONS = new Map(coverageUniverse().map((item) => [item.id, item.description]));

function describe(id: string): string {
  return DESCRIPTIONS.get(id) ?? id;
}

/** How a node-level scenario is named and described: its features and the words for them. */
export interface NodeScenarioStyle {
  readonly name: string;
  /** ' with PreVote', ' with leaderStickiness=same-term', or ''. */
  readonly with: string;
  readonly features: Scenario['cluster']['features'];
  readonly describe?: (id: string) => string;
  readonly references?: readonly string[];
  /** The generator named in the header (default node-paths). */
  readonly generator?: string;
}

export function nodeScenarioOf(chosen: Chosen, style: NodeScenarioStyle): Scenario {
  const steps: Step[] = chosen.inputs.map((input) => ({ line: 0, input: stepOfNodeInput(NODE, input) }));
  const last = chosen.inputs[chosen.inputs.length - 1];
  const rules = RULES.filter((r) => chosen.items.includes(r.id));
  const references = [
    ...new Set([
      ...rules.flatMap((r) => (r.reference ?? '').split(', ').filter((x) => /^(§|thesis|Figure)/.test(x))),
      ...(style.references ?? []),
    ]),
  ];
  const primary = chosen.items[0];
  const scenario: Scenario = {
    name: style.name,
    header: {
      summary: [
        `Target: ${(style.describe ?? describe)(primary)}${chosen.items.length > 1 ? ` (and ${chosen.items.length - 1} more, below)` : ''}.`,
        `Node level${style.with}: n1 (${describeState(chosen.before)})`,
        `gets: ${formatInput(stepOfNodeInput(NODE, last))}`,
        `The model takes: ${describeTaken(chosen.before, last)}.`,
        `Path: the shortest to that state in the node statechart (xstate/graph getShortestPaths), then the input.`,
      ],
      references,
      bugs: bugClassesOf(chosen.items),
      source: {
        kind: 'generated',
        generator: style.generator ?? NODE_PATHS_GENERATOR,
        seed: 0,
        target: primary,
      },
      targets: chosen.items,
    },
    cluster: { mode: 'step', nodes: CLUSTER, features: style.features, initial: {} },
    steps,
  };
  return withModelExpectations(scenario);
}

function scenarioOf(chosen: Chosen, preVote: boolean): Scenario {
  return nodeScenarioOf(chosen, {
    name: `node-${slug(chosen.items[0])}${preVote ? '-prevote' : ''}`,
    with: preVote ? ' with PreVote' : '',
    features: { preVote, checkQuorum: false },
  });
}

/** Stable text of a scenario's steps, to tell whether two variants behave the same. */
export function stepsKey(scenario: Scenario): string {
  return JSON.stringify(scenario.steps.map((s) => [s.input, s.expect]));
}

/**
 * Node-level scenarios without and with PreVote. A PreVote variant is kept only where the
 * behaviour differs: its steps or expectations are not those of a scenario without PreVote.
 */
export function nodeLevelScenarios(bounds: NodeSearchBounds = DEFAULT_NODE_BOUNDS): Scenario[] {
  const plain = chooseNodePaths(makeFeatures(), bounds).map((c) => scenarioOf(c, false));
  const known = new Set(plain.map(stepsKey));
  const withPreVote = chooseNodePaths(makeFeatures({ preVote: true }), bounds)
    .map((c) => scenarioOf(c, true))
    .filter((s) => !known.has(stepsKey(s)));
  return [...plain, ...withPreVote];
}
