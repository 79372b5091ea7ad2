import {
  type CompiledMachine,
  type Message,
  type NodeState,
  serializeNode,
  stepExplained,
  type Tick,
} from '../../models/index.ts';

/**
 * The implementation's own timers during `tick` steps, as the model has them: each tick is
 * the model's `Tick` input (models/node/timers.ts), which counts the ticks since each timer
 * was last reset and fires a timeout on the tick that reaches it. When a timer restarts is
 * the model's rule, read from the node's own context; nothing about it is decided here.
 * What is decided here is only the environment's part: which timeout the implementation
 * drew, which the acceptor does not know within the declared range.
 */

export interface TickTiming {
  readonly electionMin: number;
  readonly electionMax: number;
  readonly heartbeat: number;
}

/** One way the ticks may have gone: the timeouts that fired, in order, and their effect. */
export interface TickBranch {
  readonly fired: readonly ('ElectionTimeout' | 'HeartbeatTimeout')[];
  readonly state: NodeState;
  readonly sent: readonly Message[];
  readonly actions: readonly string[];
}

const MAX_BRANCHES = 64;

/**
 * The ticks the environment may deliver next: the election timeout the implementation drew
 * is anywhere in [electionMin, electionMax], so a tick that brings the count into that range
 * may fire it (the timeout equals the count) or not (the timeout is later: the maximum).
 */
function possibleTicks(state: NodeState, timing: TickTiming): Tick[] {
  const count = state.context.electionElapsed + 1;
  const later: Tick = {
    type: 'Tick',
    electionTimeout: timing.electionMax,
    heartbeatTimeout: timing.heartbeat,
  };
  if (count < timing.electionMin || count >= timing.electionMax) return [later];
  return [{ ...later, electionTimeout: count }, later];
}

function tick(branch: TickBranch, input: Tick, machine: CompiledMachine): TickBranch {
  const result = stepExplained(branch.state, input, machine);
  const fired = result.taken
    .map((t) => t.event)
    .filter(
      (e): e is 'ElectionTimeout' | 'HeartbeatTimeout' => e === 'ElectionTimeout' || e === 'HeartbeatTimeout',
    );
  return {
    fired: [...branch.fired, ...new Set(fired)],
    state: result.state,
    sent: [...branch.sent, ...result.outputs],
    actions: [...branch.actions, ...result.taken.flatMap((t) => t.actions)],
  };
}

/**
 * Every outcome the model allows for `ticks` ticks of a node's clock, given the
 * implementation's timeout range, as the run's own `machine` takes them. With a fixed
 * timeout (min = max) there is exactly one.
 */
export function tickBranches(
  state: NodeState,
  ticks: number,
  timing: TickTiming,
  machine: CompiledMachine,
): TickBranch[] {
  let branches: TickBranch[] = [{ fired: [], state, sent: [], actions: [] }];
  for (let t = 0; t < ticks; t++) {
    const next = new Map<string, TickBranch>();
    for (const b of branches) {
      for (const input of possibleTicks(b.state, timing)) {
        const ticked = tick(b, input, machine);
        const key = `${serializeNode(ticked.state)}|${ticked.fired.join(',')}`;
        if (!next.has(key) && next.size < MAX_BRANCHES) next.set(key, ticked);
      }
    }
    branches = [...next.values()];
  }
  return branches;
}
