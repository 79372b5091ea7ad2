import {
  addMessages,
  applyAction,
  type ClusterConfig,
  type ClusterState,
  type CompiledMachine,
  type CompiledStepResult,
  compileNodeMachine,
  EMPTY_HISTORY,
  initialNodeState,
  LOSSY_DUPLICATING,
  type Message,
  type NodeId,
  type NodeInput,
  type NodeState,
  stepExplained,
  tickTimeouts,
} from '../../models/index.ts';
import type {
  ClusterSpec,
  MessagePattern,
  NodeObservation,
  Observation,
  Scenario,
  Step,
  StepInput,
} from './ast.ts';
import { actionOfStep, messageOfStep, targetNode } from './convert.ts';
import { ScenarioRunError } from './errors.ts';
import { modelFeaturesOf } from './features.ts';
import { formatMessage, formatObservation, formatPattern } from './text.ts';

/**
 * Runs a step-mode scenario on the model: the cluster model of `models/cluster` (servers
 * stepped through the node statechart, a bag of messages in flight, history variables).
 * There are no Raft rules here, only the translation from scenario steps to the cluster
 * model's environment actions (Deliver, Drop, Duplicate, ElectionTimeout, …).
 *
 * `deliver`, `drop` and `duplicate` act on the first message in flight matching their
 * pattern, in the format's own message order (`compareMessages`). `inject` puts a message written out by the scenario
 * in flight and delivers it at once.
 *
 * This is the oracle's side of conformance: `startModelRun` and `stepModelRun` let the
 * conformance runner step the model alongside an implementation, one scenario step at a
 * time, and compare observations.
 */

export interface ModelRun {
  readonly config: ClusterConfig;
  readonly state: ClusterState;
}

/** A transition a node took during a step (guard and action names), for coverage. */
export interface TakenTransition {
  readonly node: NodeId;
  readonly source: string;
  readonly event: string;
  readonly guard: string | null;
  readonly actions: readonly string[];
  readonly target: string | null;
}

export interface ModelStepResult {
  readonly run: ModelRun;
  readonly observation: Observation;
  /** The input the model's node got (none for drop, duplicate and tick), and its state before. */
  readonly nodeInput?: { readonly node: NodeId; readonly input: NodeInput; readonly before: NodeState };
  readonly taken: readonly TakenTransition[];
}

const defaultMachine = compileNodeMachine();

/** The model cluster a scenario starts from: every node a follower with its initial persistent state. */
export function startModelRun(cluster: ClusterSpec, machine: CompiledMachine = defaultMachine): ModelRun {
  const features = modelFeaturesOf(cluster.features);
  const config: ClusterConfig = {
    nodes: cluster.nodes,
    features,
    network: LOSSY_DUPLICATING,
    values: [],
    machine,
  };
  const nodes = cluster.nodes.map((id) =>
    initialNodeState({ id, cluster: cluster.nodes, features, persistent: cluster.initial[id] }),
  );
  return { config, state: { nodes, network: [], history: EMPTY_HISTORY } };
}

export function observeNode(id: NodeId, state: NodeState): NodeObservation {
  const c = state.context;
  return {
    node: id,
    role: state.role,
    currentTerm: c.currentTerm,
    votedFor: c.votedFor,
    log: c.log,
    commitIndex: c.commitIndex,
  };
}

/** Every node's observation, in id order. */
export function observeAll(run: ModelRun): NodeObservation[] {
  return run.config.nodes.map((id, i) => observeNode(id, run.state.nodes[i]));
}

/** One scenario step taken by the model: the run after it, and what the stepped node did. */
export interface ScenarioStep {
  readonly run: ModelRun;
  /** The stepped node, or null when only the network changed (drop, duplicate) or for a tick. */
  readonly node: NodeId | null;
  readonly input: NodeInput | null;
  readonly before: NodeState | null;
  readonly after: NodeState | null;
  readonly sent: readonly Message[];
  readonly taken: readonly TakenTransition[];
}

function missingMessage(run: ModelRun, input: StepInput & { pattern: MessagePattern }, where: Where) {
  const { network } = run.state;
  const shown = network.length === 0 ? 'nothing' : network.map((f) => formatMessage(f.message)).join('; ');
  return new ScenarioRunError(
    where.scenario,
    where.line,
    `${input.kind} ${formatPattern(input.pattern)}: expected a matching message in flight, found ${shown}`,
  );
}

type Where = { readonly scenario: string; readonly line: number };

/** The message a step acts on: the first in flight matching its pattern, or the one it injects. */
function messageOf(run: ModelRun, input: StepInput, where: Where): Message | undefined {
  const message = messageOfStep(run.state, input);
  if (message === undefined && 'pattern' in input) throw missingMessage(run, input, where);
  return message;
}

/**
 * The one semantics of a scenario step, used by the scenario replayer, the generator and
 * the conformance runner: the step is translated to the cluster model's action
 * (`actionOfStep`) and taken by `applyAction` of models/cluster, with the run's own
 * machine; the node is stepped once, and the transitions it took are kept (for rules,
 * coverage and timers). A tick is no environment action: the run is unchanged.
 * A message step that matches nothing in flight, or a node not in the cluster, is a
 * `ScenarioRunError` naming `where`.
 */
export function stepScenario(run: ModelRun, input: StepInput, where: Where = NOWHERE): ScenarioStep {
  const { config } = run;
  const target = targetNode(input);
  if (!config.nodes.includes(target)) {
    throw new ScenarioRunError(
      where.scenario,
      where.line,
      `expected a node of [${config.nodes.join(', ')}], found ${target}`,
    );
  }
  const message = messageOf(run, input, where);
  const action = actionOfStep(input, message);
  if (action === null)
    return { run, node: null, input: null, before: null, after: null, sent: [], taken: [] };
  const state =
    input.kind === 'inject'
      ? { ...run.state, network: addMessages(run.state.network, [input.message]) }
      : run.state;
  let stepped = null as { input: NodeInput; before: NodeState; taken: CompiledStepResult['taken'] } | null;
  const result = applyAction(config, state, action, (before, nodeInput) => {
    const r = stepExplained(before, nodeInput, config.machine);
    stepped = { input: nodeInput, before, taken: r.taken };
    return r;
  });
  const next: ModelRun = { config, state: result.state };
  const taken = stepped;
  if (taken === null)
    return { run: next, node: null, input: null, before: null, after: null, sent: [], taken: [] };
  return {
    run: next,
    node: target,
    input: taken.input,
    before: taken.before,
    after: result.state.nodes[result.stepped],
    sent: result.sent,
    taken: taken.taken.map((t) => ({ node: target, ...t })),
  };
}

const NOWHERE: Where = { scenario: '<scenario>', line: 0 };

/** What a step shows: the stepped node, every other node whose observation changed, and what was sent. */
function observationOf(before: ModelRun, input: StepInput, step: ScenarioStep): Observation {
  const target = targetNode(input);
  if (input.kind === 'tick') {
    const state = before.state.nodes[before.config.nodes.indexOf(target)];
    return {
      nodes: [observeNode(target, state)],
      sent: [],
      timers: tickTimeouts(before.config.machine, state.role),
    };
  }
  if (step.node === null) return { nodes: [], sent: [] };
  const { nodes } = before.config;
  const observed = [observeNode(step.node, step.after as NodeState)];
  nodes.forEach((id, k) => {
    if (id === step.node) return;
    const after = observeNode(id, step.run.state.nodes[k]);
    if (JSON.stringify(after) !== JSON.stringify(observeNode(id, before.state.nodes[k])))
      observed.push(after);
  });
  return { nodes: observed, sent: step.sent };
}

/**
 * Apply one step-mode input to the model (`stepScenario`) and say what it shows, as an
 * expected block of a scenario file would.
 */
export function stepModelRun(run: ModelRun, input: StepInput, where: Where = NOWHERE): ModelStepResult {
  const step = stepScenario(run, input, where);
  const observation = observationOf(run, input, step);
  const nodeInput =
    step.node === null
      ? undefined
      : { node: step.node, input: step.input as NodeInput, before: step.before as NodeState };
  return { run: step.run, observation, nodeInput, taken: step.taken };
}

/**
 * The run after a node moved on its own clock (a `tick` step, judged with the model's Tick
 * by the conformance runner): its new state, and what it sent now in flight. A tick is no
 * cluster action of the checker, so the history variables are unchanged.
 */
export function withNodeMoved(
  run: ModelRun,
  node: NodeId,
  state: NodeState,
  sent: readonly Message[],
): ModelRun {
  const nodes = run.state.nodes.slice();
  nodes[run.config.nodes.indexOf(node)] = state;
  return {
    config: run.config,
    state: { ...run.state, nodes, network: addMessages(run.state.network, sent) },
  };
}

export interface StepOutcome {
  readonly step: Step;
  readonly result: ModelStepResult;
}

/** Run every step of a step-mode scenario on the model. */
export function runOnModel(scenario: Scenario, machine: CompiledMachine = defaultMachine): StepOutcome[] {
  if (scenario.cluster.mode !== 'step') {
    throw new ScenarioRunError(scenario.name, 0, 'only step-mode scenarios run on the model');
  }
  let run = startModelRun(scenario.cluster, machine);
  const outcomes: StepOutcome[] = [];
  for (const step of scenario.steps) {
    const result = stepModelRun(run, step.input as StepInput, { scenario: scenario.name, line: step.line });
    outcomes.push({ step, result });
    run = result.run;
  }
  return outcomes;
}

/** The scenario with every expected block recomputed by the model (`--rewrite`). */
export function withModelExpectations(
  scenario: Scenario,
  machine: CompiledMachine = defaultMachine,
): Scenario {
  if (scenario.cluster.mode !== 'step') return scenario;
  const outcomes = runOnModel(scenario, machine);
  return {
    ...scenario,
    steps: outcomes.map(({ step, result }) => ({ ...step, expect: result.observation })),
  };
}

export function sameObservation(a: Observation, b: Observation): boolean {
  return formatObservation(a).join('\n') === formatObservation(b).join('\n');
}

export interface Mismatch {
  readonly line: number;
  readonly expected: Observation | undefined;
  readonly actual: Observation;
}

/** Steps whose written expectation is missing or differs from what the model computes. */
export function modelMismatches(scenario: Scenario, machine: CompiledMachine = defaultMachine): Mismatch[] {
  return runOnModel(scenario, machine)
    .filter(({ step, result }) => !step.expect || !sameObservation(step.expect, result.observation))
    .map(({ step, result }) => ({ line: step.line, expected: step.expect, actual: result.observation }));
}
