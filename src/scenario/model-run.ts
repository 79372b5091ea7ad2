import {
  type CompiledMachine,
  compileNodeMachine,
  initialNodeState,
  type Message,
  makeFeatures,
  type NodeId,
  type NodeInput,
  type NodeState,
  stepExplained,
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
import { formatMessage, formatObservation, formatPattern } from './text.ts';

/**
 * Runs a step-mode scenario on the model: a cluster of model nodes (each stepped by the
 * node statechart's compiled engine, `models/`'s `step`) and a bag of in-flight messages.
 * There are no Raft rules here, only the scenario's environment: which node an input goes
 * to, and which message in flight a `deliver` picks.
 *
 * The network is an ordered bag: every message a node sends is appended; `deliver`,
 * `drop` and `duplicate` act on the OLDEST in-flight message matching their pattern.
 *
 * This is the oracle's side of conformance: `startModelRun` + `stepModelRun` let the
 * conformance runner step the model alongside an implementation, one scenario step at a
 * time, and compare observations.
 */

export interface ModelRun {
  readonly nodes: Readonly<Record<NodeId, NodeState>>;
  /** Messages in flight, oldest first. */
  readonly inFlight: readonly Message[];
}

/** The transitions one node took during a step (guard and action names), for coverage. */
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
  /** The node input given to the model, if any (none for drop, duplicate and tick). */
  readonly nodeInput?: { readonly node: NodeId; readonly input: NodeInput; readonly before: NodeState };
  readonly taken: readonly TakenTransition[];
}

const defaultMachine = compileNodeMachine();

/** The model cluster a scenario starts from: every node a follower, with its initial persistent state. */
export function startModelRun(cluster: ClusterSpec): ModelRun {
  const features = makeFeatures({ preVote: cluster.features.preVote });
  const nodes: Record<NodeId, NodeState> = {};
  for (const id of cluster.nodes) {
    nodes[id] = initialNodeState({ id, cluster: cluster.nodes, features, persistent: cluster.initial[id] });
  }
  return { nodes, inFlight: [] };
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

export function matchesPattern(message: Message, pattern: MessagePattern): boolean {
  if (message.type !== pattern.type || message.from !== pattern.from || message.to !== pattern.to)
    return false;
  const record = message as unknown as Record<string, unknown>;
  return Object.entries(pattern.fields).every(([k, v]) => record[k] === v);
}

function sameObservation(a: NodeObservation, b: NodeObservation): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function nodeInputOf(input: StepInput): { node: NodeId; input: NodeInput } | null {
  switch (input.kind) {
    case 'timeout':
      return { node: input.node, input: { type: 'ElectionTimeout' } };
    case 'heartbeat':
      return { node: input.node, input: { type: 'HeartbeatTimeout' } };
    case 'propose':
      return { node: input.node, input: { type: 'ClientRequest', value: input.value } };
    case 'crash':
      return { node: input.node, input: { type: 'Crash' } };
    case 'restart':
      return { node: input.node, input: { type: 'Restart' } };
    case 'inject':
      return { node: input.message.to, input: { type: 'Receive', message: input.message } };
    default:
      return null;
  }
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

/**
 * Apply one step-mode input to the model. `where` names the scenario and line for errors
 * (a `deliver` with no matching message in flight is a `ScenarioRunError`).
 */
export function stepModelRun(
  run: ModelRun,
  input: StepInput,
  machine: CompiledMachine = defaultMachine,
  where: { scenario: string; line: number } = { scenario: '<scenario>', line: 0 },
): ModelStepResult {
  let inFlight = run.inFlight;
  let nodeStep = nodeInputOf(input);
  if (input.kind === 'deliver' || input.kind === 'drop' || input.kind === 'duplicate') {
    const index = inFlight.findIndex((m) => matchesPattern(m, input.pattern));
    if (index < 0) {
      const shown = inFlight.length === 0 ? 'nothing' : inFlight.map(formatMessage).join('; ');
      throw new ScenarioRunError(
        where.scenario,
        where.line,
        `${input.kind} ${formatPattern(input.pattern)}: expected a matching message in flight, found ${shown}`,
      );
    }
    const message = inFlight[index];
    if (input.kind === 'duplicate') inFlight = [...inFlight, message];
    else inFlight = [...inFlight.slice(0, index), ...inFlight.slice(index + 1)];
    if (input.kind === 'deliver') nodeStep = { node: message.to, input: { type: 'Receive', message } };
  }
  const target = targetNode(input);
  if (!run.nodes[target]) {
    throw new ScenarioRunError(where.scenario, where.line, `no node ${target} in the cluster`);
  }
  if (nodeStep === null) {
    // drop, duplicate, tick: no model input. A tick lets the implementation's timers fire.
    const before = run.nodes[target];
    const observation: Observation =
      input.kind === 'tick'
        ? { nodes: [observeNode(target, before)], sent: [], timers: timersOf(before) }
        : { nodes: [], sent: [] };
    return { run: { nodes: run.nodes, inFlight }, observation, taken: [] };
  }
  const before = run.nodes[nodeStep.node];
  const result = stepExplained(before, nodeStep.input, machine);
  const nodes = { ...run.nodes, [nodeStep.node]: result.state };
  const observed = [observeNode(nodeStep.node, result.state)];
  for (const id of Object.keys(nodes).sort()) {
    if (id === nodeStep.node) continue;
    const after = observeNode(id, nodes[id]);
    if (!sameObservation(after, observeNode(id, run.nodes[id]))) observed.push(after);
  }
  const taken = result.taken.map((t) => ({
    node: nodeStep.node,
    source: t.source,
    event: t.event,
    guard: t.guard,
    actions: t.actions,
    target: t.target,
  }));
  return {
    run: { nodes, inFlight: [...inFlight, ...result.outputs] },
    observation: { nodes: observed, sent: result.outputs },
    nodeInput: { node: nodeStep.node, input: nodeStep.input, before },
    taken,
  };
}

/** The timers a node's own clock may fire: a leader's heartbeat, anyone else's election timeout. */
function timersOf(state: NodeState): ('ElectionTimeout' | 'HeartbeatTimeout')[] {
  if (state.role === 'crashed') return [];
  return state.role === 'leader' ? ['HeartbeatTimeout'] : ['ElectionTimeout'];
}

export interface StepOutcome {
  readonly step: Step;
  readonly result: ModelStepResult;
}

/** Run every step of a step-mode scenario on the model (nested `repeat` is cluster mode only). */
export function runOnModel(scenario: Scenario, machine: CompiledMachine = defaultMachine): StepOutcome[] {
  if (scenario.cluster.mode !== 'step') {
    throw new ScenarioRunError(scenario.name, 0, 'only step-mode scenarios run on the model');
  }
  let run = startModelRun(scenario.cluster);
  const outcomes: StepOutcome[] = [];
  for (const step of scenario.steps) {
    const result = stepModelRun(run, step.input as StepInput, machine, {
      scenario: scenario.name,
      line: step.line,
    });
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

function sameText(a: Observation, b: Observation): boolean {
  return formatObservation(a).join('\n') === formatObservation(b).join('\n');
}

export interface Mismatch {
  readonly line: number;
  readonly expected: Observation | undefined;
  readonly actual: Observation;
}

/** Steps whose written expectation differs from what the model computes (stale or hand-edited). */
export function modelMismatches(scenario: Scenario, machine: CompiledMachine = defaultMachine): Mismatch[] {
  return runOnModel(scenario, machine)
    .filter(({ step, result }) => !step.expect || !sameText(step.expect, result.observation))
    .map(({ step, result }) => ({ line: step.line, expected: step.expect, actual: result.observation }));
}
