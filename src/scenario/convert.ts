import type { ClusterAction, ClusterState, Message, NodeId, NodeInput } from '../../models/index.ts';
import type { MessagePattern, StepInput } from './ast.ts';
import { compareMessages, MESSAGE_FIELDS } from './text.ts';

/**
 * The one translation between the three spellings of "something happens to a server":
 * a scenario step (`deliver …`, `timeout n1`), a cluster model action (`Deliver`,
 * `ElectionTimeout`, the explorer's vocabulary) and a node input (`Receive`,
 * `ElectionTimeout`, the statechart's). Every other module converts through here, so a
 * new kind of step is added in one place. There are no Raft rules here: which input a
 * server takes, and what it does with it, is the model's (`applyAction` in models/cluster).
 */

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

/** The shortest pattern that picks exactly this message out of the bag (first match in key order). */
export function patternFor(state: ClusterState, message: Message): MessagePattern {
  const record = message as unknown as Record<string, unknown>;
  const fields: Record<string, number | boolean | readonly { term: number; value: string }[]> = {};
  const pattern = { type: message.type, from: message.from, to: message.to, fields };
  const same = (m: Message | undefined) => m !== undefined && JSON.stringify(m) === JSON.stringify(message);
  for (const [name] of MESSAGE_FIELDS[message.type]) {
    if (same(findInFlight(state, pattern))) break;
    if (record[name] === undefined) continue;
    fields[name] = record[name] as number | boolean;
  }
  return pattern;
}

/** The message a step acts on: the first in flight matching its pattern, or the one an `inject` writes out. */
export function messageOfStep(state: ClusterState, input: StepInput): Message | undefined {
  if (input.kind === 'inject') return input.message;
  return 'pattern' in input ? findInFlight(state, input.pattern) : undefined;
}

/** The node a step is addressed to (the receiver for message steps). */
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

/** The node-local steps and the cluster actions they are, one for one. */
const LOCAL_ACTIONS = {
  timeout: 'ElectionTimeout',
  heartbeat: 'HeartbeatTimeout',
  crash: 'Crash',
  restart: 'Restart',
} as const;
type LocalKind = keyof typeof LOCAL_ACTIONS;
const LOCAL_STEPS = Object.fromEntries(Object.entries(LOCAL_ACTIONS).map(([k, v]) => [v, k])) as Record<
  (typeof LOCAL_ACTIONS)[LocalKind],
  LocalKind
>;
const MESSAGE_ACTIONS = { deliver: 'Deliver', drop: 'Drop', duplicate: 'Duplicate' } as const;

/**
 * The cluster action a step amounts to, given the message it picks out of the bag
 * (`findInFlight`; for `inject`, the message it writes out). Null for a `tick` (the
 * node's own clock, no environment action) or a message step whose message is missing.
 */
export function actionOfStep(input: StepInput, message: Message | undefined): ClusterAction | null {
  switch (input.kind) {
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return message === undefined ? null : { type: MESSAGE_ACTIONS[input.kind], message };
    case 'inject':
      return { type: 'Deliver', message: input.message };
    case 'propose':
      return { type: 'ClientRequest', node: input.node, value: input.value };
    case 'tick':
      return null;
    default:
      return { type: LOCAL_ACTIONS[input.kind], node: input.node };
  }
}

/** A cluster model action as a scenario step, its message picked out of `state`'s bag by the shortest pattern. */
export function stepOfAction(state: ClusterState, action: ClusterAction): StepInput {
  switch (action.type) {
    case 'Deliver':
      return { kind: 'deliver', pattern: patternFor(state, action.message) };
    case 'Drop':
      return { kind: 'drop', pattern: patternFor(state, action.message) };
    case 'Duplicate':
      return { kind: 'duplicate', pattern: patternFor(state, action.message) };
    case 'ClientRequest':
      return { kind: 'propose', node: action.node, value: action.value };
    default:
      return { kind: LOCAL_STEPS[action.type], node: action.node };
  }
}

/** A node input as a scenario step at `node` (a received message is written out in full: `inject`). */
export function stepOfNodeInput(node: NodeId, input: NodeInput): StepInput {
  switch (input.type) {
    case 'Receive':
      return { kind: 'inject', message: input.message };
    case 'ClientRequest':
      return { kind: 'propose', node, value: input.value };
    case 'Tick':
      return { kind: 'tick', node, ticks: 1 };
    default:
      return { kind: LOCAL_STEPS[input.type], node };
  }
}

/**
 * The node input a step is at its target node (`message`: the one a `deliver` picked; an
 * `inject` carries its own). Null for steps that are no node input: drop, duplicate, tick.
 * The inverse of `stepOfNodeInput`.
 */
export function nodeInputOfStep(input: StepInput, message: Message | undefined): NodeInput | null {
  switch (input.kind) {
    case 'deliver':
      return message === undefined ? null : { type: 'Receive', message };
    case 'inject':
      return { type: 'Receive', message: input.message };
    case 'propose':
      return { type: 'ClientRequest', value: input.value };
    case 'drop':
    case 'duplicate':
    case 'tick':
      return null;
    default:
      return { type: LOCAL_ACTIONS[input.kind] };
  }
}
