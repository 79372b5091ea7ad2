import type { NodeState } from '../node/compiled.ts';
import type { NodeEvent } from '../node/events.ts';
import { isRequest } from '../node/guards.ts';
import { type StepResult, step } from '../node/step.ts';
import type { AppendEntriesResponse, Message, NodeId, NodeInput } from '../types.ts';
import type { ClusterConfig } from './config.ts';
import {
  addMessages,
  type ClusterHistory,
  type ClusterState,
  type CommittedEntry,
  duplicateMessage,
  type Election,
  type InFlight,
  messageKey,
  nodeIndex,
  positionOf,
  removeAt,
} from './state.ts';

/**
 * The environment's actions, as data (stateright's `Deliver | Drop | Duplicate | Timeout |
 * Crash | Recover`; raft.tla's `Receive`, `DropMessage`, `DuplicateMessage`, `Timeout`,
 * `ClientRequest`, `Restart`). Each one steps at most one node through the statechart.
 */
export type ClusterAction =
  | { readonly type: 'Deliver'; readonly message: Message }
  | { readonly type: 'Drop'; readonly message: Message }
  | { readonly type: 'Duplicate'; readonly message: Message }
  | { readonly type: 'ElectionTimeout'; readonly node: NodeId }
  | { readonly type: 'HeartbeatTimeout'; readonly node: NodeId }
  | { readonly type: 'ClientRequest'; readonly node: NodeId; readonly value: string }
  | { readonly type: 'Crash'; readonly node: NodeId }
  | { readonly type: 'Restart'; readonly node: NodeId };

export type ClusterActionType = ClusterAction['type'];

export const CLUSTER_ACTION_TYPES: readonly ClusterActionType[] = [
  'ElectionTimeout',
  'HeartbeatTimeout',
  'ClientRequest',
  'Crash',
  'Restart',
  'Deliver',
  'Drop',
  'Duplicate',
];

/**
 * Bounds keep an exploration finite. They are not part of the model (as raft.tla's bounds
 * live in the TLC configuration): a state outside them is simply not explored.
 */
export interface ClusterBounds {
  /** No server's currentTerm exceeds this. */
  readonly maxTerm: number;
  /** No server's log is longer than this. */
  readonly maxLog: number;
  /** At most this many copies of one message are in flight. */
  readonly maxCopies: number;
  /** At most this many `Crash` actions along a path. */
  readonly maxCrashes: number;
  /** At most this many messages in flight in all (copies counted; default: no limit). */
  readonly maxInFlight?: number;
  /** The action types the environment may take (default: all). */
  readonly actions?: ReadonlySet<ClusterActionType>;
}

export function withinBounds(state: ClusterState, bounds: ClusterBounds): boolean {
  for (const node of state.nodes) {
    if (node.context.currentTerm > bounds.maxTerm || node.context.log.length > bounds.maxLog) return false;
  }
  let total = 0;
  for (const inFlight of state.network) {
    if (inFlight.count > bounds.maxCopies) return false;
    total += inFlight.count;
  }
  if (bounds.maxInFlight !== undefined && total > bounds.maxInFlight) return false;
  return state.history.crashes <= bounds.maxCrashes;
}

/**
 * Whether the node statechart has a transition for this input in this role that its guards
 * can enable. The inputs asked about here (timeouts, client requests, crash, restart) carry
 * nothing the guards read but their type, so a guard is asked with the bare input: a
 * transition only a switch enables (a leader's ElectionTimeout is CheckQuorum's check) is no
 * input at all while the switch is off.
 */
function handles(config: ClusterConfig, node: NodeState, input: NodeInput['type']): boolean {
  const list = config.machine.transitions.get(node.role)?.get(input);
  if (list === undefined) return false;
  // An unguarded transition (the usual case) answers without asking any guard.
  if (list[list.length - 1].guardFn === null) return true;
  for (const t of list) {
    if (t.guardFn === null || t.guardFn(node.context, { type: input } as NodeEvent)) return true;
  }
  return false;
}

/**
 * The actions the environment can take in `state`, in a fixed order (a path replays by
 * index): per server in id order its timeouts, client requests, crash and restart; then
 * per message in flight, in key order, Deliver, Drop and Duplicate. Inputs the statechart
 * ignores in a server's role (a follower's HeartbeatTimeout) are left out; so are actions
 * the bounds or the network semantics forbid.
 */
export function enabledActions(
  config: ClusterConfig,
  state: ClusterState,
  bounds: ClusterBounds,
): ClusterAction[] {
  const allowed = bounds.actions;
  const may = (type: ClusterActionType) => allowed === undefined || allowed.has(type);
  const actions: ClusterAction[] = [];
  for (let i = 0; i < state.nodes.length; i++) {
    const node = state.nodes[i];
    const id = config.nodes[i];
    if (may('ElectionTimeout') && handles(config, node, 'ElectionTimeout')) {
      actions.push({ type: 'ElectionTimeout', node: id });
    }
    if (may('HeartbeatTimeout') && handles(config, node, 'HeartbeatTimeout')) {
      actions.push({ type: 'HeartbeatTimeout', node: id });
    }
    if (may('ClientRequest') && handles(config, node, 'ClientRequest')) {
      for (const value of config.values) actions.push({ type: 'ClientRequest', node: id, value });
    }
    if (may('Crash') && handles(config, node, 'Crash') && state.history.crashes < bounds.maxCrashes) {
      actions.push({ type: 'Crash', node: id });
    }
    if (may('Restart') && handles(config, node, 'Restart')) actions.push({ type: 'Restart', node: id });
  }
  for (const { message, count } of state.network) {
    if (may('Deliver')) actions.push({ type: 'Deliver', message });
    if (config.network.lossy && may('Drop')) actions.push({ type: 'Drop', message });
    if (config.network.duplicating && may('Duplicate') && count < bounds.maxCopies) {
      actions.push({ type: 'Duplicate', message });
    }
  }
  return actions;
}

export interface ClusterStepResult {
  readonly state: ClusterState;
  /** The messages the stepped server sent (now in flight). */
  readonly sent: readonly Message[];
  /** The server stepped, or -1 when only the network changed. */
  readonly stepped: number;
}

function inputOf(action: ClusterAction): { node: NodeId; input: NodeInput } | null {
  switch (action.type) {
    case 'Deliver':
      return { node: action.message.to, input: { type: 'Receive', message: action.message } };
    case 'ClientRequest':
      return { node: action.node, input: { type: 'ClientRequest', value: action.value } };
    case 'ElectionTimeout':
    case 'HeartbeatTimeout':
    case 'Crash':
    case 'Restart':
      return { node: action.node, input: { type: action.type } };
    case 'Drop':
    case 'Duplicate':
      return null;
  }
}

/**
 * How a server takes one input: the statechart (`step`) by default. The model checker
 * passes one that remembers the answers (a server's step depends on nothing but its state
 * and the input, and the same few thousand server states meet the same inputs millions of
 * times); it must answer exactly as `step` would.
 */
export type NodeStepper = (node: NodeState, input: NodeInput) => StepResult<NodeState>;

/**
 * Take one action: `(state, action) → state'`. A delivered message leaves the network and
 * is received by its addressee (a crashed server loses it); what the server sends enters
 * the network. History variables are updated here, never by the servers.
 */
export function applyAction(
  config: ClusterConfig,
  state: ClusterState,
  action: ClusterAction,
  stepNode?: NodeStepper,
): ClusterStepResult {
  let network = state.network;
  if (action.type === 'Deliver' || action.type === 'Drop')
    network = removeAt(network, positionOf(network, action.message));
  if (action.type === 'Duplicate') network = duplicateMessage(network, messageKey(action.message));
  const target = inputOf(action);
  if (target === null) return { state: { ...state, network }, sent: [], stepped: -1 };

  const i = nodeIndex(config, target.node);
  const before = state.nodes[i];
  const { state: after, outputs } = stepNode
    ? stepNode(before, target.input)
    : step(before, target.input, config.machine);
  const nodes = [...state.nodes];
  nodes[i] = after;
  if (config.dropDeadResponses && after.context.currentTerm > before.context.currentTerm) {
    network = dropDeadResponses(config, network, after);
  }
  let history = recordHistory(state.history, config.nodes[i], before, after);
  if (action.type === 'Crash') history = { ...history, crashes: history.crashes + 1 };
  return { state: { nodes, network: addMessages(network, outputs), history }, sent: outputs, stepped: i };
}

/**
 * Responses to a server from a term below its currentTerm are dead: the statechart drops
 * them on receipt (raft.tla DropStaleResponse), and terms only grow, so delivering one
 * changes nothing but the network. Removing them as soon as they die merges states that
 * differ only by dead messages in flight. The statechart's own `isStaleResponse` guard
 * decides.
 */
function dropDeadResponses(
  config: ClusterConfig,
  network: readonly InFlight[],
  node: NodeState,
): readonly InFlight[] {
  const isStale = config.machine.implementations.guards.isStaleResponse;
  const id = node.context.id;
  let kept: InFlight[] | null = null;
  for (let k = 0; k < network.length; k++) {
    const m = network[k].message;
    const dead = m.to === id && !isRequest(m) && isStale(node.context, { type: 'Receive', message: m });
    if (dead && kept === null) kept = network.slice(0, k);
    else if (!dead && kept !== null) kept.push(network[k]);
  }
  return kept ?? network;
}

/** Replay actions from a state; throws, naming the step, if one is not enabled. */
export function applyActions(
  config: ClusterConfig,
  state: ClusterState,
  actions: readonly ClusterAction[],
): ClusterState {
  actions.forEach((action, k) => {
    try {
      state = applyAction(config, state, action).state;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`step ${k + 1} (${describeAction(action)}) cannot be taken: ${reason}`);
    }
  });
  return state;
}

// ------------------------------------------------------------------ history variables

function recordHistory(
  history: ClusterHistory,
  id: NodeId,
  before: NodeState,
  after: NodeState,
): ClusterHistory {
  if (before === after) return history;
  let next = history;
  const term = after.context.currentTerm;
  if (after.role === 'leader' && (before.role !== 'leader' || before.context.currentTerm !== term)) {
    next = { ...next, elections: addElection(next.elections, { term, leader: id }) };
  }
  const c = after.context;
  if (c.commitIndex > 0 && (c.commitIndex !== before.context.commitIndex || c.log !== before.context.log)) {
    const committed = addCommitted(next.committed, c.log, c.commitIndex, term);
    if (committed !== next.committed) next = { ...next, committed };
  }
  return next;
}

function compareElection(a: Election, b: Election): number {
  return a.term - b.term || (a.leader < b.leader ? -1 : a.leader > b.leader ? 1 : 0);
}

function addElection(elections: readonly Election[], election: Election): readonly Election[] {
  if (elections.some((e) => compareElection(e, election) === 0)) return elections;
  return [...elections, election].sort(compareElection);
}

export function compareCommitted(a: CommittedEntry, b: CommittedEntry): number {
  return a.index - b.index || a.term - b.term || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

function addCommitted(
  committed: readonly CommittedEntry[],
  log: NodeState['context']['log'],
  commitIndex: number,
  knownInTerm: number,
): readonly CommittedEntry[] {
  let result: CommittedEntry[] | null = null;
  for (let index = 1; index <= Math.min(commitIndex, log.length); index++) {
    const entry = { index, term: log[index - 1].term, value: log[index - 1].value, knownInTerm };
    const current: readonly CommittedEntry[] = result ?? committed;
    const at = current.findIndex((e) => compareCommitted(e, entry) === 0);
    if (at >= 0 && current[at].knownInTerm <= knownInTerm) continue;
    result ??= [...committed];
    if (at >= 0) result[at] = entry;
    else {
      result.push(entry);
      result.sort(compareCommitted);
    }
  }
  return result ?? committed;
}

// ------------------------------------------------------------------ vocabulary

/** A message in the model's vocabulary, e.g. `RequestVoteRequest n1→n2 term 1 (lastLogIndex 0, lastLogTerm 0)`. */
export function describeMessage(m: Message): string {
  const head = `${m.type} ${m.from}→${m.to} term ${m.term}`;
  switch (m.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      return `${head} (lastLogIndex ${m.lastLogIndex}, lastLogTerm ${m.lastLogTerm})`;
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return `${head} (voteGranted ${m.voteGranted})`;
    case 'AppendEntriesRequest': {
      const entries = m.entries.map((e) => `${e.value}@${e.term}`).join(', ');
      return `${head} (prevLogIndex ${m.prevLogIndex}, prevLogTerm ${m.prevLogTerm}, entries [${entries}], leaderCommit ${m.leaderCommit})`;
    }
    case 'AppendEntriesResponse':
      return `${head} (success ${m.success}, ${appendResponseDetail(m)})`;
  }
}

/** matchIndex, or the request a success answers (appendMatchFrom: request), and a rejection's hint. */
function appendResponseDetail(m: AppendEntriesResponse): string {
  const hint = m.rejectHint === undefined ? '' : `, rejectHint ${m.rejectHint}`;
  if (m.inReplyTo === undefined) return `matchIndex ${m.matchIndex}${hint}`;
  return `answers prevLogIndex ${m.inReplyTo.prevLogIndex} + ${m.inReplyTo.entries} entries`;
}

/** An action in the model's vocabulary, e.g. `Deliver RequestVoteRequest n1→n2 term 1 (…)`. */
export function describeAction(action: ClusterAction): string {
  switch (action.type) {
    case 'Deliver':
    case 'Drop':
    case 'Duplicate':
      return `${action.type} ${describeMessage(action.message)}`;
    case 'ClientRequest':
      return `ClientRequest ${action.node} '${action.value}'`;
    default:
      return `${action.type} ${action.node}`;
  }
}
