import type { Role } from '../types.ts';
import { REDELIVER } from './actions.ts';
import type { NodeContext } from './context.ts';
import type { NodeEvent } from './events.ts';
import { defaultImplementations, messageOf, type NodeImplementations, nodeMachineConfig } from './machine.ts';

/**
 * The node statechart compiled for speed.
 *
 * XState's interpreter costs tens of microseconds a step; a model checker needs about a
 * microsecond. So this module reads the machine definition once — its states, and for
 * each state and event the guarded transitions in document order with their guard,
 * action and target names — and runs the very same guard and action functions directly
 * on plain data, following XState v5's macrostep semantics: the first enabled transition
 * from the active leaf up to the root; its actions in order; then eventless (`always`)
 * transitions until none is enabled; then raised events, one at a time.
 *
 * There is no second copy of Raft's rules here: only the statechart's execution
 * semantics. `test/model/compiled.test.ts` checks that this engine and XState's
 * `transition()` agree on random input sequences.
 */

/** A node's state as plain data: the active role and the context. */
export interface NodeState {
  readonly role: Role;
  readonly context: NodeContext;
}

export interface CompiledTransition {
  readonly event: string;
  readonly source: string;
  readonly guard: string | null;
  readonly actions: readonly string[];
  /** Leaf role entered, or null for a targetless transition. */
  readonly target: Role | null;
}

interface StateConfig {
  readonly initial?: string;
  readonly on?: Readonly<Record<string, unknown>>;
  readonly always?: unknown;
  readonly states?: Readonly<Record<string, StateConfig>>;
}

interface RawTransition {
  readonly guard?: string;
  readonly target?: string;
  readonly actions?: string | readonly string[];
}

/** A compiled machine: for each leaf role, per event type and for `always`, its transitions. */
export interface CompiledMachine {
  readonly roles: readonly Role[];
  readonly transitions: ReadonlyMap<Role, ReadonlyMap<string, readonly CompiledTransition[]>>;
  readonly always: ReadonlyMap<Role, readonly CompiledTransition[]>;
  readonly implementations: NodeImplementations;
}

function asArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** Path of state keys from the root, e.g. ['running', 'follower']. */
type StatePath = readonly string[];

function stateAt(root: StateConfig, path: StatePath): StateConfig {
  let node = root;
  for (const key of path) {
    const child = node.states?.[key];
    if (!child) throw new Error(`machine has no state ${path.join('.')}`);
    node = child;
  }
  return node;
}

/** Descend through `initial` to a leaf. */
function leafOf(root: StateConfig, path: StatePath): StatePath {
  let current = path;
  let node = stateAt(root, current);
  while (node.states) {
    if (!node.initial) throw new Error(`compound state ${current.join('.')} has no initial state`);
    current = [...current, node.initial];
    node = stateAt(root, current);
  }
  return current;
}

/** XState target resolution: '.x' is a child of the source, 'x' a sibling of the source. */
function resolveTarget(root: StateConfig, source: StatePath, target: string): Role {
  const path = target.startsWith('.') ? [...source, target.slice(1)] : [...source.slice(0, -1), target];
  const leaf = leafOf(root, path);
  return leaf[leaf.length - 1] as Role;
}

function compileTransitions(
  root: StateConfig,
  source: StatePath,
  event: string,
  raw: unknown,
): CompiledTransition[] {
  return asArray(raw as RawTransition | readonly RawTransition[]).map((t) => ({
    event,
    source: source.join('.') || '(root)',
    guard: t.guard ?? null,
    actions: asArray(t.actions),
    target: t.target === undefined ? null : resolveTarget(root, source, t.target),
  }));
}

function leafPaths(root: StateConfig, path: StatePath = []): StatePath[] {
  const node = stateAt(root, path);
  if (!node.states) return [path];
  return Object.keys(node.states).flatMap((key) => leafPaths(root, [...path, key]));
}

export function compileNodeMachine(
  implementations: NodeImplementations = defaultImplementations,
  config: StateConfig = nodeMachineConfig as unknown as StateConfig,
): CompiledMachine {
  const transitions = new Map<Role, Map<string, CompiledTransition[]>>();
  const always = new Map<Role, CompiledTransition[]>();
  const leaves = leafPaths(config);
  for (const leaf of leaves) {
    const role = leaf[leaf.length - 1] as Role;
    const byEvent = new Map<string, CompiledTransition[]>();
    const eventless: CompiledTransition[] = [];
    // Deepest state first, as XState selects transitions.
    for (let depth = leaf.length; depth >= 0; depth--) {
      const source = leaf.slice(0, depth);
      const node = stateAt(config, source);
      for (const [event, raw] of Object.entries(node.on ?? {})) {
        const list = byEvent.get(event) ?? [];
        list.push(...compileTransitions(config, source, event, raw));
        byEvent.set(event, list);
      }
      eventless.push(...compileTransitions(config, source, '(always)', node.always));
    }
    transitions.set(role, byEvent);
    always.set(role, eventless);
  }
  const compiled: CompiledMachine = {
    roles: leaves.map((leaf) => leaf[leaf.length - 1] as Role),
    transitions,
    always,
    implementations,
  };
  checkNamesResolve(compiled);
  return compiled;
}

/** Fail at compile time, not mid-exploration, when the config names an unknown guard or action. */
function checkNamesResolve(machine: CompiledMachine): void {
  const all = [...machine.transitions.values()].flatMap((m) => [...m.values()].flat());
  all.push(...[...machine.always.values()].flat());
  for (const t of all) {
    if (t.guard !== null && !machine.implementations.guards[t.guard]) {
      throw new Error(`transition on ${t.event} in ${t.source} names unknown guard '${t.guard}'`);
    }
    for (const action of t.actions) {
      if (action !== REDELIVER && !machine.implementations.updates[action]) {
        throw new Error(`transition on ${t.event} in ${t.source} names unknown action '${action}'`);
      }
    }
  }
}

const NO_MESSAGES: NodeContext['outbox'] = Object.freeze([]) as NodeContext['outbox'];

export interface CompiledStepResult {
  readonly state: NodeState;
  /** The transitions taken, in order (for coverage and explanations). */
  readonly taken: readonly CompiledTransition[];
}

function firstEnabled(
  machine: CompiledMachine,
  candidates: readonly CompiledTransition[] | undefined,
  context: NodeContext,
  event: NodeEvent,
): CompiledTransition | undefined {
  if (!candidates) return undefined;
  for (const t of candidates) {
    if (t.guard === null || machine.implementations.guards[t.guard](context, event)) return t;
  }
  return undefined;
}

/**
 * One macrostep: `(state, input) → state'`. Messages sent are left in `context.outbox`
 * (the caller drains them); `taken` lists the transitions in the order they fired.
 *
 * Written as one loop without closures: tsx compiles with esbuild's `keepNames`, which
 * wraps every closure created per call in a `__name(...)` property definition — about a
 * quarter of the step's time when `fire` was a closure (measured with `npm run bench`).
 */
export function runMacrostep(
  machine: CompiledMachine,
  state: NodeState,
  input: NodeEvent,
): CompiledStepResult {
  const { transitions, always } = machine;
  const updates = machine.implementations.updates;
  let role = state.role;
  let context = state.context;
  let event: NodeEvent = input;
  let queue: NodeEvent[] | null = null;
  const taken: CompiledTransition[] = [];

  let t = firstEnabled(machine, transitions.get(role)?.get(event.type), context, event);
  if (!t) return { state, taken };
  for (;;) {
    // Fire t: its actions in order, then its target.
    taken.push(t);
    const actions = t.actions;
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i];
      if (action !== REDELIVER) context = updates[action](context, event);
      else if (queue === null) queue = [messageOf(event)];
      else queue.push(messageOf(event));
    }
    if (t.target !== null) role = t.target;
    // Then eventless transitions until none is enabled, then raised events, one at a time.
    let next = firstEnabled(machine, always.get(role), context, event);
    while (!next && queue !== null && queue.length > 0) {
      event = queue.shift()!;
      next =
        firstEnabled(machine, transitions.get(role)?.get(event.type), context, event) ??
        firstEnabled(machine, always.get(role), context, event);
    }
    if (!next) break;
    t = next;
  }
  return { state: { role, context }, taken };
}

export { NO_MESSAGES };
