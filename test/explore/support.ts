import {
  addMessages,
  type ClusterConfig,
  type ClusterState,
  type Message,
  type NodeId,
  type NodeState,
  type Property,
} from '../../models/index.ts';
import { CHECK_DEFAULTS, type CheckSettings } from '../../src/cli/commands/check.ts';

/** Check settings: the CLI's defaults with some changed. */
export function settings(overrides: Partial<CheckSettings> = {}): CheckSettings {
  const d = CHECK_DEFAULTS;
  return {
    nodes: d.nodes,
    maxTerm: d.maxTerm,
    maxLog: d.maxLog,
    maxCopies: d.maxCopies,
    maxInFlight: d.maxInFlight,
    crashes: d.crashes,
    values: d.values,
    drop: true,
    duplicate: true,
    symmetry: true,
    preVote: false,
    strategy: 'bfs',
    seed: d.seed,
    maxStates: Number.POSITIVE_INFINITY,
    mutation: null,
    keepGoing: false,
    ...overrides,
  };
}

/**
 * The verdict an `always` property must get in a clean run: PASS, or "n/a" when it states a
 * switch's promise and that switch is off in `config` (*nextIndex above matchIndex*).
 */
export function cleanVerdict(property: Property, config: ClusterConfig): 'pass' | 'not-applicable' {
  const vacuous = property.scope === 'state' && property.vacuous?.(config) !== undefined;
  return vacuous ? 'not-applicable' : 'pass';
}

/**
 * Rename the servers of a cluster state (written independently of the encoder, so that
 * the symmetry test does not check the encoder against itself): `rename[id]` is the new
 * id; servers are re-sorted into id order, and every id inside them, in messages and in
 * the history is rewritten.
 */
export function renameState(
  state: ClusterState,
  ids: readonly NodeId[],
  rename: Record<NodeId, NodeId>,
): ClusterState {
  const r = (id: NodeId | null) => (id === null ? null : rename[id]);
  const rs = (list: readonly NodeId[]) => list.map((id) => rename[id]).sort();
  const rr = (record: Readonly<Record<NodeId, number>>) =>
    Object.fromEntries(Object.entries(record).map(([id, v]) => [rename[id], v]));
  const renamedNodes: NodeState[] = state.nodes.map((node) => ({
    role: node.role,
    context: {
      ...node.context,
      id: rename[node.context.id],
      votedFor: r(node.context.votedFor),
      leaderId: r(node.context.leaderId),
      votesGranted: rs(node.context.votesGranted),
      votesResponded: rs(node.context.votesResponded),
      nextIndex: rr(node.context.nextIndex),
      matchIndex: rr(node.context.matchIndex),
    },
  }));
  const nodes = ids.map((id) => renamedNodes.find((n) => n.context.id === id) as NodeState);
  const renameMessage = (m: Message): Message => ({ ...m, from: rename[m.from], to: rename[m.to] });
  return {
    nodes,
    network: addMessages(
      [],
      state.network.flatMap((f) => Array.from({ length: f.count }, () => renameMessage(f.message))),
    ),
    history: {
      ...state.history,
      elections: state.history.elections.map((e) => ({ ...e, leader: rename[e.leader] })),
    },
  };
}
