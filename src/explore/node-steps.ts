import type { NodeStepper } from '../../models/cluster/actions.ts';
import type { CompiledMachine, NodeState } from '../../models/node/compiled.ts';
import { type StepResult, step } from '../../models/node/step.ts';
import type { NodeInput } from '../../models/types.ts';

/**
 * Remembered server steps, for the breadth-first search.
 *
 * A server's step depends on its own state and the input only. The search expands
 * millions of states, but their servers are a few thousand distinct server states (the
 * frontier hands back the same object for equal ones, `state-queue.ts`) meeting the same
 * few hundred distinct messages and timeouts. So the answer of the statechart is kept per
 * (server state object, input): by the message object for a delivery (the frontier's
 * messages are numbered objects too) and by kind for the other inputs. A hit returns the
 * very result the statechart gave the first time: no step is taken twice.
 *
 * Alongside, per resulting server state object, the explorer's key part of it and its
 * number in the frontier, so that a hit spares building those strings too.
 *
 * Entries are held strongly; past `limit` server states the memo starts afresh, which
 * bounds its memory whatever the run's size.
 */
export class NodeStepMemo {
  private byNode = new Map<NodeState, Map<unknown, StepResult<NodeState>>>();
  private readonly extras = new Map<NodeState, { key?: string; number?: number }>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly machine: CompiledMachine,
    private readonly limit = 200_000,
  ) {}

  readonly step: NodeStepper = (node, input) => {
    let byInput = this.byNode.get(node);
    if (byInput === undefined) {
      if (this.byNode.size >= this.limit) {
        this.byNode = new Map();
        this.extras.clear();
      }
      byInput = new Map();
      this.byNode.set(node, byInput);
    }
    const inputKey = keyOf(input);
    let result = byInput.get(inputKey);
    if (result === undefined) {
      result = step(node, input, this.machine);
      byInput.set(inputKey, result);
      this.misses++;
    } else this.hits++;
    return result;
  };

  /** `compute(node)` for a server state this memo returned, computed once per object. */
  keyOf(node: NodeState, compute: (node: NodeState) => string): string {
    const extra = this.extraOf(node);
    extra.key ??= compute(node);
    return extra.key;
  }

  /** Like `keyOf`, for the server's number in the frontier. */
  numberOf(node: NodeState, compute: (node: NodeState) => number): number {
    const extra = this.extraOf(node);
    extra.number ??= compute(node);
    return extra.number;
  }

  private extraOf(node: NodeState): { key?: string; number?: number } {
    let extra = this.extras.get(node);
    if (extra === undefined) {
      extra = {};
      this.extras.set(node, extra);
    }
    return extra;
  }
}

/** A delivery by its message object; the other inputs by kind (and value). */
function keyOf(input: NodeInput): unknown {
  switch (input.type) {
    case 'Receive':
      return input.message;
    case 'ClientRequest':
      return `ClientRequest ${input.value}`;
    default:
      return input.type;
  }
}
