import {
  addMessages,
  duplicateMessage,
  type Message,
  messageKey,
  type NodeId,
  type NodeInput,
  type NodeState,
  removeMessage,
  stepExplained,
} from '../../models/index.ts';
import {
  findInFlight,
  formatMessage,
  formatPattern,
  type ModelRun,
  ScenarioRunError,
  type StepInput,
  type TakenTransition,
} from '../scenario/index.ts';

/**
 * The oracle's side of a step: the model's cluster (`models/cluster` state: nodes and the
 * bag of messages in flight) takes the scenario input. Same semantics as
 * `stepModelRun` of `src/scenario/` — the first matching message in bag key order, the
 * node stepped through the compiled statechart, what it sends added to the bag — but
 * stepping the node once (with the transitions taken, for rules and timers) and without
 * the history variables and observations the runner does not need: this is the runner's
 * hot path. `test/conformance/oracle.test.ts` checks both agree on the whole suite.
 */

export interface OracleStep {
  readonly run: ModelRun;
  /** The stepped node, or null for drop/duplicate. */
  readonly node: NodeId | null;
  readonly input: NodeInput | null;
  readonly before: NodeState | null;
  readonly after: NodeState | null;
  readonly sent: readonly Message[];
  readonly taken: readonly TakenTransition[];
}

function inputOf(step: StepInput, message: Message | undefined): NodeInput | null {
  switch (step.kind) {
    case 'timeout':
      return { type: 'ElectionTimeout' };
    case 'heartbeat':
      return { type: 'HeartbeatTimeout' };
    case 'propose':
      return { type: 'ClientRequest', value: step.value };
    case 'crash':
      return { type: 'Crash' };
    case 'restart':
      return { type: 'Restart' };
    case 'deliver':
    case 'inject':
      return { type: 'Receive', message: message as Message };
    default:
      return null;
  }
}

function toTaken(node: NodeId, taken: ReturnType<typeof stepExplained>['taken']): TakenTransition[] {
  return taken.map((t) => ({
    node,
    source: t.source,
    event: t.event,
    guard: t.guard,
    actions: t.actions,
    target: t.target,
  }));
}

export function oracleStep(
  run: ModelRun,
  step: StepInput,
  where: { scenario: string; line: number },
): OracleStep {
  const { config } = run;
  let network = run.state.network;
  let message: Message | undefined;
  if (step.kind === 'deliver' || step.kind === 'drop' || step.kind === 'duplicate') {
    message = findInFlight(run.state, step.pattern);
    if (message === undefined) {
      const shown =
        network.length === 0 ? 'nothing' : network.map((f) => formatMessage(f.message)).join('; ');
      throw new ScenarioRunError(
        where.scenario,
        where.line,
        `${step.kind} ${formatPattern(step.pattern)}: expected a matching message in flight, found ${shown}`,
      );
    }
    const key = messageKey(message);
    if (step.kind === 'duplicate') network = duplicateMessage(network, key);
    else network = removeMessage(network, key);
  } else if (step.kind === 'inject') {
    message = step.message;
  }
  const input = inputOf(step, message);
  if (input === null) {
    return {
      run: { config, state: { ...run.state, network } },
      node: null,
      input: null,
      before: null,
      after: null,
      sent: [],
      taken: [],
    };
  }
  const node =
    step.kind === 'deliver' || step.kind === 'inject'
      ? (message as Message).to
      : (step as { node: NodeId }).node;
  const i = config.nodes.indexOf(node);
  if (i < 0) {
    throw new ScenarioRunError(
      where.scenario,
      where.line,
      `expected a node of [${config.nodes.join(', ')}], found ${node}`,
    );
  }
  const before = run.state.nodes[i];
  const result = stepExplained(before, input, config.machine);
  const nodes = run.state.nodes.slice();
  nodes[i] = result.state;
  return {
    run: { config, state: { ...run.state, nodes, network: addMessages(network, result.outputs) } },
    node,
    input,
    before,
    after: result.state,
    sent: result.outputs,
    taken: toTaken(node, result.taken),
  };
}
