import {
  addMessages,
  applyAction,
  type ClusterConfig,
  type ClusterState,
  type CompiledMachine,
  compileNodeMachine,
  EMPTY_HISTORY,
  initialNodeState,
  LOSSY_DUPLICATING,
  type Message,
  makeFeatures,
  type NodeId,
  type NodeInput,
  type NodeState,
  runMacrostep,
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
import { ScenarioRunError } from './errors.ts';
import { compareMessages, formatMessage, formatObservation, formatPattern } from './text.ts';

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
  const features = makeFeatures({
    preVote: cluster.features.preVote,
    leaderNoOp: cluster.features.leaderNoOp ?? false,
  });
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

export function matchesPattern(message: Message, pattern: MessagePattern): boolean {
  if (message.type !== pattern.type || message.from !== pattern.from || message.to !== pattern.to)
    return false;
  const record = message as unknown as Record<string, unknown>;
  return Object.entries(pattern.fields).every(([k, v]) => JSON.stringify(record[k]) === JSON.stringify(v));
}

/**
 * The message in flight a pattern picks: among those matching it, the first in the
 * format's message order (`compareMessages`), or undefined if none matches.
 */
export function findInFlight(state: ClusterState, pattern: MessagePattern): Message | undefined {
  let best: Message | undefined;
  for (const { message } of state.network) {
    if (matchesPattern(message, pattern) && (best === undefined || compareMessages(message, best) < 0))
      best = message;
  }
  return best;
}

/** The node an input is addressed to (the receiver for message steps). */
export function targetNode(input: StepInput): NodeId {
  switch (input.kind) {
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return input.pattern.to;
    case 'inject':
      return input.message.to;
    default:
      return input.node;
  }
}

/** The model input of a step-mode input (`message`: the one a `deliver` picked). */
export function nodeInputOf(input: StepInput, message: Message | undefined): NodeInput | null {
  switch (input.kind) {
    case 'timeout':
      return { type: 'ElectionTimeout' };
    case 'heartbeat':
      return { type: 'HeartbeatTimeout' };
    case 'propose':
      return { type: 'ClientRequest', value: input.value };
    case 'crash':
      return { type: 'Crash' };
    case 'restart':
      return { type: 'Restart' };
    case 'inject':
      return { type: 'Receive', message: input.message };
    case 'deliver':
      return { type: 'Receive', message: message as Message };
    default:
      return null;
  }
}

/** The timers a node's own clock may fire: a leader's heartbeat, anyone else's election timeout. */
function timersOf(state: NodeState): ('ElectionTimeout' | 'HeartbeatTimeout')[] {
  if (state.role === 'crashed') return [];
  return state.role === 'leader' ? ['HeartbeatTimeout'] : ['ElectionTimeout'];
}

/**
 * Apply one step-mode input to the model. `where` names the scenario and line for errors:
 * a `deliver` that matches nothing in flight, or a node not in the cluster, is a
 * `ScenarioRunError`.
 */
export function stepModelRun(
  run: ModelRun,
  input: StepInput,
  where: { scenario: string; line: number } = { scenario: '<scenario>', line: 0 },
): ModelStepResult {
  const { config } = run;
  const target = targetNode(input);
  const i = config.nodes.indexOf(target);
  if (i < 0) {
    throw new ScenarioRunError(
      where.scenario,
      where.line,
      `expected a node of [${config.nodes.join(', ')}], found ${target}`,
    );
  }
  let state = run.state;
  let message: Message | undefined;
  if (input.kind === 'deliver' || input.kind === 'drop' || input.kind === 'duplicate') {
    message = findInFlight(state, input.pattern);
    if (message === undefined) {
      const shown =
        state.network.length === 0
          ? 'nothing'
          : state.network.map((f) => formatMessage(f.message)).join('; ');
      throw new ScenarioRunError(
        where.scenario,
        where.line,
        `${input.kind} ${formatPattern(input.pattern)}: expected a matching message in flight, found ${shown}`,
      );
    }
  }
  if (input.kind === 'inject') {
    message = input.message;
    state = { ...state, network: addMessages(state.network, [message]) };
  }
  const before = state.nodes[i];
  const nodeInput = nodeInputOf(input, message);
  if (input.kind === 'tick') {
    const observation = { nodes: [observeNode(target, before)], sent: [], timers: timersOf(before) };
    return { run, observation, taken: [] };
  }
  const action =
    input.kind === 'drop'
      ? { type: 'Drop' as const, message: message as Message }
      : input.kind === 'duplicate'
        ? { type: 'Duplicate' as const, message: message as Message }
        : input.kind === 'deliver' || input.kind === 'inject'
          ? { type: 'Deliver' as const, message: message as Message }
          : input.kind === 'propose'
            ? { type: 'ClientRequest' as const, node: target, value: input.value }
            : {
                type: (nodeInput as { type: 'ElectionTimeout' | 'HeartbeatTimeout' | 'Crash' | 'Restart' })
                  .type,
                node: target,
              };
  const result = applyAction(config, state, action);
  const next: ModelRun = { config, state: result.state };
  if (nodeInput === null) return { run: next, observation: { nodes: [], sent: [] }, taken: [] };
  // The transitions taken, for coverage: the same compiled machine, the same input.
  const taken = runMacrostep(config.machine, before, nodeInput).taken.map((t) => ({
    node: target,
    source: t.source,
    event: t.event,
    guard: t.guard,
    actions: t.actions,
    target: t.target,
  }));
  const observed = [observeNode(target, result.state.nodes[i])];
  config.nodes.forEach((id, k) => {
    if (k === i) return;
    const after = observeNode(id, result.state.nodes[k]);
    if (JSON.stringify(after) !== JSON.stringify(observeNode(id, state.nodes[k]))) observed.push(after);
  });
  return {
    run: next,
    observation: { nodes: observed, sent: result.sent },
    nodeInput: { node: target, input: nodeInput, before },
    taken,
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
