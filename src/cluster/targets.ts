import type { NodeId } from '../../models/index.ts';
import type { ClusterInput, ClusterTarget } from '../scenario/ast.ts';
import type { Leadership } from './elections.ts';

/**
 * Role-aimed faults: `leader`, `follower`, `rest` and `$var` in a step are resolved to node
 * ids when the step runs, from the leadership standing then. A step that names a role the
 * cluster does not have at that moment (no leader, too few followers) cannot reach its
 * situation: the run is reported "not reached", not failed.
 */

export class NotReachedError extends Error {}

export interface RoleView {
  readonly nodes: readonly NodeId[];
  readonly leadership: Leadership | null;
  /** Running nodes following `leadership` (same term, role follower), in id order. */
  readonly followers: readonly NodeId[];
  readonly vars: ReadonlyMap<string, number | string | null>;
}

/** How many followers the step's targets need (0 when it names no role). */
export function followersNeeded(input: ClusterInput): number {
  return targetsOf(input).filter((t) => t === 'follower').length;
}

/** Does the step aim at a role (so it needs a standing leader)? */
export function aimsAtRole(input: ClusterInput): boolean {
  return targetsOf(input).some((t) => t === 'leader' || t === 'follower');
}

function targetsOf(input: ClusterInput): readonly ClusterTarget[] {
  switch (input.kind) {
    case 'kill':
    case 'submit':
      return [input.node];
    case 'partition':
      return input.groups.flat();
    case 'cut':
      return [input.from, input.to];
    default:
      return [];
  }
}

/** One target to a node id; `taken` holds the nodes already chosen in this step. */
export function resolveTarget(target: ClusterTarget, view: RoleView, taken: Set<NodeId>): NodeId {
  const node = pick(target, view, taken);
  taken.add(node);
  return node;
}

function pick(target: ClusterTarget, view: RoleView, taken: Set<NodeId>): NodeId {
  if (target === 'leader') {
    if (view.leadership === null) throw new NotReachedError('no unique leader to aim at');
    return view.leadership.leader;
  }
  if (target === 'follower') {
    const free = view.followers.find((n) => !taken.has(n));
    if (free === undefined) throw new NotReachedError('no follower of the leader left to aim at');
    return free;
  }
  if (target.startsWith('$')) {
    const value = view.vars.get(target);
    if (typeof value !== 'string' || !view.nodes.includes(value)) {
      throw new NotReachedError(`${target} holds ${value ?? 'nothing'}, not a node id`);
    }
    return value;
  }
  return target;
}

/** `partition leader + 1 | rest` → node groups; `rest` takes every node not named elsewhere. */
export function resolveGroups(groups: readonly (readonly ClusterTarget[])[], view: RoleView): NodeId[][] {
  const taken = new Set<NodeId>();
  const named = groups.map((g) => g.filter((t) => t !== 'rest').map((t) => resolveTarget(t, view, taken)));
  const rest = view.nodes.filter((n) => !taken.has(n));
  return groups
    .map((g, i) => (g.includes('rest') ? [...named[i], ...rest] : named[i]))
    .filter((g) => g.length > 0);
}

/** `cut leader -> follower` → the sender and its receivers (`-> rest`: every other node). */
export function resolveCut(
  from: ClusterTarget,
  to: ClusterTarget,
  view: RoleView,
): { from: NodeId; to: NodeId[] } {
  const taken = new Set<NodeId>();
  const sender = resolveTarget(from, view, taken);
  if (to === 'rest') return { from: sender, to: view.nodes.filter((n) => n !== sender) };
  return { from: sender, to: [resolveTarget(to, view, taken)] };
}
