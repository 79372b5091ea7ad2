import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import type { Message, NodeInput, Role } from '../types.ts';
import {
  type CompiledMachine,
  compileNodeMachine,
  NO_MESSAGES,
  type NodeState,
  runMacrostep,
} from './compiled.ts';
import { initialContext, type NodeContext, type NodeSetup } from './context.ts';
import { type NodeMachine, nodeMachine } from './machine.ts';

/**
 * The pure node step: `(state, input) → (state, outputs)`. Outputs are the messages the
 * node sends; nothing is executed, timers are inputs, and the same input on the same state
 * always gives the same result. Two equivalent engines:
 *
 * - `stepSnapshot` goes through XState's own `transition()` on a machine snapshot — the
 *   reference semantics, ≈ tens of µs a step;
 * - `step` runs the compiled machine (`compiled.ts`) on plain `NodeState` data — the
 *   same guards and actions, ≈ 1 µs a step; this is what the explorer uses.
 */

export interface StepResult<S> {
  readonly state: S;
  readonly outputs: readonly Message[];
}

export type NodeSnapshot = SnapshotFrom<NodeMachine>;

// ------------------------------------------------------------------ compiled engine

const defaultCompiled = compileNodeMachine();

export function initialNodeState(setup: NodeSetup): NodeState {
  return { role: 'follower', context: initialContext(setup) };
}

/**
 * Take the messages sent out of the stepped state. A context the macrostep created (not
 * the input's) is seen by nobody yet, so its outbox is emptied in place rather than by
 * copying the whole context once more (a sixth of the model checker's time); the input
 * state is never touched.
 */
function drain(before: NodeState, state: NodeState): StepResult<NodeState> {
  const outputs = state.context.outbox;
  if (outputs.length === 0) return { state, outputs: NO_MESSAGES };
  if (state.context !== before.context) {
    (state.context as { outbox: readonly Message[] }).outbox = NO_MESSAGES;
    return { state, outputs };
  }
  return { state: { role: state.role, context: { ...state.context, outbox: NO_MESSAGES } }, outputs };
}

/** Step a node on plain data. `machine` defaults to the unmutated model. */
export function step(
  state: NodeState,
  input: NodeInput,
  machine: CompiledMachine = defaultCompiled,
): StepResult<NodeState> {
  return drain(state, runMacrostep(machine, state, input).state);
}

/**
 * Like `step`, and also names the transitions taken (for coverage and explanations). The
 * result is one literal, not a spread of `drain`'s: a spread per step was a tenth of the
 * trace checker's time.
 */
export function stepExplained(
  state: NodeState,
  input: NodeInput,
  machine: CompiledMachine = defaultCompiled,
) {
  const result = runMacrostep(machine, state, input);
  const drained = drain(state, result.state);
  return { state: drained.state, outputs: drained.outputs, taken: result.taken };
}

// ------------------------------------------------------------------ XState engine

export function roleOf(snapshot: NodeSnapshot): Role {
  const value = snapshot.value as string | { running: string };
  return (typeof value === 'string' ? value : value.running) as Role;
}

export function toNodeState(snapshot: NodeSnapshot): NodeState {
  return { role: roleOf(snapshot), context: snapshot.context };
}

export function toSnapshot(state: NodeState, machine: NodeMachine = nodeMachine): NodeSnapshot {
  const value = state.role === 'crashed' ? 'crashed' : { running: state.role };
  return machine.resolveState({ value, context: state.context as NodeContext });
}

export function initialSnapshot(setup: NodeSetup, machine: NodeMachine = nodeMachine): NodeSnapshot {
  const [snapshot] = initialTransition(machine, setup);
  return snapshot;
}

/** Step a node through XState's `transition()`: the reference semantics. */
export function stepSnapshot(
  snapshot: NodeSnapshot,
  input: NodeInput,
  machine: NodeMachine = nodeMachine,
): StepResult<NodeSnapshot> {
  const [next] = transition(machine, snapshot, input);
  const outputs = next.context.outbox;
  if (outputs.length === 0) return { state: next, outputs: NO_MESSAGES };
  return {
    state: machine.resolveState({ value: next.value, context: { ...next.context, outbox: NO_MESSAGES } }),
    outputs,
  };
}
