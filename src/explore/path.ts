import {
  applyAction,
  type ClusterAction,
  type ClusterBounds,
  type ClusterConfig,
  type ClusterState,
  describeAction,
  describeClusterState,
  enabledActions,
  initialClusterState,
} from '../../models/index.ts';

/** A path from the initial state: the actions taken and their indexes among the enabled actions. */
export interface Path {
  readonly actions: readonly ClusterAction[];
  /** `indexes[k]` is the position of `actions[k]` in `enabledActions` of the state before it. */
  readonly indexes: readonly number[];
}

export interface ReplayedStep {
  readonly action: ClusterAction;
  readonly state: ClusterState;
}

/**
 * Step actions from the initial state, checking each is enabled under the bounds. Returns
 * every state along the way (the initial state first). Throws, naming the step, when an
 * action is not enabled.
 */
export function replay(
  config: ClusterConfig,
  actions: readonly ClusterAction[],
  bounds?: ClusterBounds,
): ClusterState[] {
  let state = initialClusterState(config);
  const states = [state];
  actions.forEach((action, k) => {
    if (bounds !== undefined) {
      const wanted = JSON.stringify(action);
      if (!enabledActions(config, state, bounds).some((a) => JSON.stringify(a) === wanted)) {
        throw new Error(`step ${k + 1}: ${describeAction(action)} is not enabled in this state`);
      }
    }
    try {
      state = applyAction(config, state, action).state;
    } catch (error) {
      throw new Error(
        `step ${k + 1}: ${describeAction(action)} cannot be taken: ${(error as Error).message}`,
      );
    }
    states.push(state);
  });
  return states;
}

/** Turn action indexes back into actions by re-enumerating the enabled actions at each step. */
export function pathFromIndexes(
  config: ClusterConfig,
  bounds: ClusterBounds,
  indexes: readonly number[],
  from: ClusterState = initialClusterState(config),
): Path {
  let state = from;
  const actions: ClusterAction[] = [];
  indexes.forEach((index, k) => {
    const enabled = enabledActions(config, state, bounds);
    const action = enabled[index];
    if (action === undefined) {
      throw new Error(`step ${k + 1}: action #${index} is not enabled (only ${enabled.length} are)`);
    }
    actions.push(action);
    state = applyAction(config, state, action).state;
  });
  return { actions, indexes };
}

/** A path in the model's vocabulary: one numbered line per action, then the final state. */
/** `everyState`: the whole cluster state after each step, not only the final one (`check --verbose`). */
export function describePath(config: ClusterConfig, path: Path, everyState = false): string[] {
  const states = replay(config, path.actions);
  const lines = path.actions.flatMap((action, k) => [
    `${String(k + 1).padStart(3)}. ${describeAction(action)}`,
    ...(everyState && k < path.actions.length - 1
      ? describeClusterState(config, states[k + 1]).map((line) => `       ${line}`)
      : []),
  ]);
  if (lines.length === 0) lines.push('  (the initial state)');
  lines.push('  final state:');
  for (const line of describeClusterState(config, states[states.length - 1])) lines.push(`    ${line}`);
  return lines;
}
