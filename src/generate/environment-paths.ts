import {
  applyAction,
  type ClusterAction,
  type ClusterBounds,
  type ClusterConfig,
  type ClusterState,
  type Features,
  initialClusterState,
  MESSAGE_TYPES,
  type Message,
  type MessageType,
  makeClusterConfig,
  makeFeatures,
  type Role,
} from '../../models/index.ts';
import { findShortestPath } from '../explore/index.ts';
import {
  type Scenario,
  type ScenarioHeader,
  type Step,
  type StepInput,
  scenarioFeaturesOf,
  stepOfAction,
  withModelExpectations,
} from '../scenario/index.ts';

/**
 * What the environment does to a path (issue 13, "coverage-directed suite growth"): for
 * every message type, a message delivered **duplicated**, **late** (after its receiver's term
 * moved past the message's) and **reordered** (two on one link, the later first); and for
 * every role, **ticks** of the node's own clock until its timer fires. Each is the shortest
 * path (the model checker's BFS) to where the situation can happen, then the environment's
 * steps; the model writes every expected block.
 */

export const ENVIRONMENT_PATHS_GENERATOR = 'environment-paths';

/** Elections: no client values, one copy of each message, terms up to 2. */
const ELECTION_ACTIONS = ['ElectionTimeout', 'HeartbeatTimeout', 'Deliver'] as const;
const ELECTIONS: ClusterBounds = {
  maxTerm: 2,
  maxLog: 0,
  maxCopies: 1,
  maxCrashes: 0,
  actions: new Set(ELECTION_ACTIONS),
};
/** Replication: one client value, so that two AppendEntries (or replies) on a link can differ. */
const REPLICATION: ClusterBounds = {
  ...ELECTIONS,
  maxLog: 1,
  actions: new Set([...ELECTION_ACTIONS, 'ClientRequest']),
};

function boundsOf(plan: Plan): { bounds: ClusterBounds; values: string[] } {
  return plan.name.startsWith('append-entries')
    ? { bounds: REPLICATION, values: ['x'] }
    : { bounds: ELECTIONS, values: [] };
}

type Goal = (state: ClusterState, step: { from: ClusterState; action: ClusterAction } | null) => boolean;

interface Plan {
  readonly name: string;
  readonly summary: readonly string[];
  readonly references: readonly string[];
  readonly bugs: readonly number[];
  readonly features: Features;
  readonly goal: Goal;
  /** The environment's steps once the goal is reached. */
  readonly afterwards: (
    state: ClusterState,
    step: { from: ClusterState; action: ClusterAction },
  ) => Afterwards;
}

/** Cluster actions to take, then step inputs that are no cluster action (a `tick`). */
interface Afterwards {
  readonly actions: readonly ClusterAction[];
  readonly inputs?: readonly StepInput[];
}

function kebab(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

function needsPreVote(type: MessageType): boolean {
  return type.startsWith('PreVote');
}

function ofType(state: ClusterState, type: MessageType): Message[] {
  return state.network.filter((f) => f.message.type === type).map((f) => f.message);
}

function receiverTerm(state: ClusterState, message: Message): number {
  return state.nodes.find((n) => n.context.id === message.to)?.context.currentTerm ?? 0;
}

function deliver(message: Message): ClusterAction {
  return { type: 'Deliver', message };
}

/** Two different messages of `type` on one link, the one the goal step just sent second. */
function laterAndEarlier(state: ClusterState, from: ClusterState, type: MessageType): [Message, Message] {
  const key = (m: Message) => JSON.stringify(m);
  const before = new Set(ofType(from, type).map(key));
  for (const later of ofType(state, type).filter((m) => !before.has(key(m)))) {
    const earlier = ofType(from, type).find(
      (m) => m.from === later.from && m.to === later.to && key(m) !== key(later),
    );
    if (earlier !== undefined) return [later, earlier];
  }
  throw new Error(`no two ${type}s on one link`);
}

function duplicatedPlan(type: MessageType, features: Features): Plan {
  return {
    name: `${kebab(type)}-duplicated`,
    summary: [
      `A ${type} delivered twice: the network duplicates it and both copies arrive. The second`,
      'must change nothing a first delivery did not (a duplicate is a legal input, §5.1:',
      '"If a server receives a request with a stale term number, it rejects the request"; a',
      'repeated request of the current term is answered again, a repeated reply is ignored or idempotent).',
    ],
    references: ['§5.1', '§5.3'],
    bugs: [23],
    features,
    goal: (state) => ofType(state, type).length > 0,
    afterwards: (state) => {
      const [message] = ofType(state, type);
      return { actions: [{ type: 'Duplicate', message }, deliver(message), deliver(message)] };
    },
  };
}

function latePlan(type: MessageType, features: Features): Plan {
  return {
    name: `${kebab(type)}-late`,
    summary: [
      `A ${type} delivered late: its receiver's currentTerm has moved past the message's term`,
      'by the time it arrives. A request is rejected with the newer term, a reply is dropped',
      '(Figure 2, receiver rule 1; raft.tla DropStaleResponse).',
    ],
    references: ['§5.1', 'Figure 2'],
    bugs: [5, 23],
    features,
    goal: (_state, step) =>
      step !== null &&
      step.action.type === 'Deliver' &&
      step.action.message.type === type &&
      step.action.message.term < receiverTerm(step.from, step.action.message),
    afterwards: () => ({ actions: [] }),
  };
}

function reorderedPlan(type: MessageType, features: Features): Plan {
  const twoOnALink = (state: ClusterState) =>
    ofType(state, type).some((m, k, all) =>
      all.some((o, j) => j !== k && o.from === m.from && o.to === m.to),
    );
  return {
    name: `${kebab(type)}-reordered`,
    summary: [
      `Two ${type}s on the same link delivered in the reverse of the order they were sent.`,
      'Raft assumes no ordering of messages (§5.1: "RPCs … may be lost, duplicated or reordered");',
      'the later one arrives first and the earlier one must not undo it.',
    ],
    references: ['§5.1', '§5.3'],
    bugs: [23],
    features,
    goal: (state, step) => step !== null && twoOnALink(state),
    afterwards: (state, step) => {
      const [later, earlier] = laterAndEarlier(state, step.from, type);
      return { actions: [deliver(later), deliver(earlier)] };
    },
  };
}

/**
 * The runner's default timing, which it asks every implementation for (src/conformance
 * DEFAULT_TIMING): a follower's or candidate's timer fires on the 10th tick, a leader's
 * heartbeat on the 3rd. An implementation that draws its election timeout from a range
 * says so in `create_ok`, and the runner allows every tick count in it.
 */
const ELECTION_TICKS = 10;
const HEARTBEAT_TICKS = 3;

function tickPlan(role: Role, features: Features, ticks: number, what: string): Plan {
  const suffix = features.checkQuorum ? '-check-quorum' : '';
  return {
    name: `tick-${kebab(role)}-until-${what}${suffix}`,
    summary: [
      `A ${role} receives ticks of its own clock until its timer fires (${what.replace(/-/g, ' ')},`,
      `${ticks} ticks at the runner's default timing). Timers are the model's logical ticks (models/node/timers.ts),`,
      'reset by the rules of Figure 2; the runner judges the implementation with the timeouts it declares.',
    ],
    references: ['§5.2', 'Figure 2'],
    bugs: [6],
    features,
    goal: (state) => state.nodes.some((n) => n.role === role),
    afterwards: (state) => {
      const node = state.nodes.find((n) => n.role === role)?.context.id as string;
      return { actions: [], inputs: [{ kind: 'tick', node, ticks }] };
    },
  };
}

export function environmentPlans(): Plan[] {
  const plain = makeFeatures();
  const preVote = makeFeatures({ preVote: true });
  const messages = MESSAGE_TYPES.flatMap((type) => {
    const features = needsPreVote(type) ? preVote : plain;
    return [duplicatedPlan(type, features), latePlan(type, features), reorderedPlan(type, features)];
  });
  return [
    ...messages,
    tickPlan('follower', plain, ELECTION_TICKS, 'election-timeout'),
    tickPlan('preCandidate', preVote, ELECTION_TICKS, 'election-timeout'),
    tickPlan('candidate', plain, ELECTION_TICKS, 'election-timeout'),
    tickPlan('leader', plain, HEARTBEAT_TICKS, 'heartbeat'),
    tickPlan('leader', makeFeatures({ checkQuorum: true }), ELECTION_TICKS, 'election-timeout'),
  ];
}

function header(plan: Plan, config: ClusterConfig): ScenarioHeader {
  return {
    summary: [
      ...plan.summary,
      `The shortest path to where it can happen in the cluster model (${config.nodes.length} servers), found by the`,
      'model checker’s breadth-first search (src/explore findShortestPath), then the environment’s steps.',
    ],
    references: plan.references,
    bugs: plan.bugs,
    source: { kind: 'generated', generator: ENVIRONMENT_PATHS_GENERATOR, seed: 0, target: plan.name },
    targets: [],
  };
}

function scenarioOf(
  plan: Plan,
  config: ClusterConfig,
  actions: readonly ClusterAction[],
  afterwards: Afterwards,
): Scenario {
  let state = initialClusterState(config);
  const steps: Step[] = [];
  for (const action of [...actions, ...afterwards.actions]) {
    steps.push({ line: 0, input: stepOfAction(state, action) });
    state = applyAction(config, state, action).state;
  }
  for (const input of afterwards.inputs ?? []) steps.push({ line: 0, input });
  return withModelExpectations({
    name: plan.name,
    header: header(plan, config),
    cluster: { mode: 'step', nodes: config.nodes, features: scenarioFeaturesOf(plan.features), initial: {} },
    steps,
  });
}

function scenarioOfPlan(plan: Plan): Scenario {
  const { bounds, values } = boundsOf(plan);
  const config = makeClusterConfig({ nodes: 3, features: plan.features, values });
  const path = findShortestPath(config, bounds, plan.goal, { maxStates: 400_000, symmetry: true });
  if (path === null) throw new Error(`no path to ${plan.name} within its bounds`);
  let state = initialClusterState(config);
  let from = state;
  for (const action of path.actions) {
    from = state;
    state = applyAction(config, state, action).state;
  }
  const last = path.actions[path.actions.length - 1];
  return scenarioOf(plan, config, path.actions, plan.afterwards(state, { from, action: last }));
}

export function environmentScenarios(onProgress: (message: string) => void = () => {}): Scenario[] {
  return environmentPlans().map((plan) => {
    onProgress(`environment: searching for ${plan.name}`);
    return scenarioOfPlan(plan);
  });
}
